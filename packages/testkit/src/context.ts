import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '@callrelay/core';
import { MemoryKeyValueStore } from '@callrelay/core/memory-store';

// Moved to @callrelay/core/memory-store (the CLI's `callrelay test` runs on it without the test framework).
export { MemoryKeyValueStore } from '@callrelay/core/memory-store';


/** A connector context for unit tests: silent logger (or `LOG_LEVEL`), real fetch, fresh metrics and state. */
export function testContext(overrides: Partial<ConnectorContext> = {}): ConnectorContext {
  return {
    id: 'test',
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    clock: { now: () => Date.now() },
    http: fetch,
    metrics: new Registry(),
    state: new MemoryKeyValueStore(),
    baseDir: process.cwd(),
    ...overrides,
  };
}
