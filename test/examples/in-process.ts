import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CallEvent } from '@callrelay/core';
import { Runtime, createLogger, loadConfig, type ResolvedConfig } from '@callrelay/core/host';
import { bundledRegistry } from '../../packages/cli/src/bundled.js';
import { REPO_ROOT } from '../support/callrelay-process.js';

/** A clock a test moves by hand: the runtime's `now` (business hours, digests), not the store's timers. */
export class FakeClock {
  constructor(public current: number) {}
  now = (): number => this.current;
  set(iso: string): void { this.current = Date.parse(iso); }
}

export function tempDb(label: string): string {
  return path.join(mkdtempSync(path.join(tmpdir(), `callrelay-${label}-`)), 'callrelay.db');
}

/** An example's config, loaded as `callrelay run` loads it, with the bundled connectors. */
export async function loadExample(name: string, env: Record<string, string>): Promise<ResolvedConfig> {
  return loadConfig(path.join(REPO_ROOT, 'examples', name, 'callrelay.yaml'), await bundledRegistry(), { ...process.env, PORT: '0', ...env });
}

/** Starts a node in this process on the config, with the fake clock; digests rechecked every 20 ms of wall time. */
export async function startNode(config: ResolvedConfig, clock: FakeClock): Promise<Runtime> {
  const runtime = new Runtime(config, { clock, logger: createLogger({ level: 'warn' }), digestRecheckMs: 20 });
  await runtime.start();
  return runtime;
}

/** A missed inbound call as the call tracker emits it, started at `startedAt`. */
export function missedCall(id: string, startedAt: string, from: { e164: string; name?: string }, to: string, source = 'pbx'): CallEvent {
  return {
    id: `missed-${id}`, source, platform: 'jambonz', callId: id, type: 'missed', direction: 'inbound',
    from: { raw: from.e164, e164: from.e164, ...(from.name ? { name: from.name } : {}) }, to: { raw: to, e164: to },
    occurredAt: startedAt, receivedAt: startedAt, startedAt, endedAt: startedAt, ringSeconds: 20, flags: [], raw: {},
  };
}
