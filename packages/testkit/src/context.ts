import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext, KeyValueStore, KvEntry } from '@callrelay/core';

/** A {@link KeyValueStore} in memory, with the same compare-and-set semantics as the real stores. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, KvEntry<unknown> & { expiresAt?: number }>();
  private revision = 0;
  private live(key: string): (KvEntry<unknown> & { expiresAt?: number }) | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
  async get<T>(key: string): Promise<KvEntry<T> | undefined> {
    const entry = this.live(key);
    return entry ? ({ value: structuredClone(entry.value), revision: entry.revision } as KvEntry<T>) : undefined;
  }
  async put<T>(key: string, value: T, expectedRevision?: number, options: { ttlMs?: number } = {}): Promise<number | false> {
    const current = this.live(key);
    if (expectedRevision !== undefined && (current?.revision ?? 0) !== expectedRevision) return false;
    const revision = ++this.revision;
    this.entries.set(key, { value: structuredClone(value), revision, ...(options.ttlMs !== undefined ? { expiresAt: Date.now() + options.ttlMs } : {}) });
    return revision;
  }
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

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
