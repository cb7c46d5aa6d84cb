import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { REPO_ROOT, eventually, startNode, type CallrelayProcess } from '../support/callrelay-process.js';
import { NATS_URL, describeWithNats, destroyPrefix, uniquePrefix } from '../support/nats.js';

/**
 * Issue 10 item 9: the call state, the events it emits and the timers it schedules are one atomic
 * step. A node is SIGKILLed right after each durable write of the routing path in turn (the
 * tracker's state, its outcome events, its timers, the deliveries, the routing ack, the timer ack);
 * a restarted node (the platform re-posting what it sent) must give every missed call exactly one
 * `missed` event: none lost, none postponed to the 4-hour call timeout, none doubled.
 */
const CALLS = 5;
const SETTLE_MS = 300;

function webhooks(run: string): { callId: string; bodies: string[] }[] {
  return Array.from({ length: CALLS }, (_, i) => {
    const callSid = `${run}-call-${i}`;
    const base = { call_sid: callSid, direction: 'inbound', from: `+1212555${String(1000 + i)}`, to: '+14155551234' };
    return {
      callId: callSid,
      bodies: [
        { ...base, call_status: 'trying', sip_status: 100 },
        { ...base, call_status: 'ringing', sip_status: 180 },
        { ...base, call_status: 'no-answer', sip_status: 487, duration: 0 },
      ].map((b) => JSON.stringify(b)),
    };
  });
}

function writeConfig(dir: string, store: string): string {
  const file = path.join(dir, 'callrelay.yaml');
  writeFileSync(file, [
    'server: { port: 0 }',
    store,
    `tracker: { settleMs: ${SETTLE_MS} }`,
    'sources:',
    '  pbx: { type: jambonz, auth: none }',
    'sinks:',
    '  outcomes: { type: csv, path: outcomes.csv, columns: [id, callId, type] }',
    'pipelines:',
    '  calls: { from: [pbx], when: { type: [missed, completed] }, to: [outcomes] }',
    '',
  ].join('\n'));
  return file;
}

const nodeArgs = (config: string, point?: string, nth?: number) => [
  '--conditions=callrelay-source', '--import', 'tsx', path.join(REPO_ROOT, 'test', 'support', 'crash-node.ts'), config,
  ...(point ? [point, String(nth)] : []),
];

/** Posts every webhook (a platform retries what got no 2xx; repeats of stored ones are duplicates). */
async function postAll(url: string, calls: ReturnType<typeof webhooks>): Promise<number> {
  let acked = 0;
  for (const call of calls) {
    for (const body of call.bodies) {
      try {
        const res = await fetch(`${url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.ok) acked += 1;
      } catch {
        // The node died under us: not acknowledged.
      }
    }
  }
  return acked;
}

function readOutcomes(dir: string): { id: string; callId: string; type: string }[] {
  const file = path.join(dir, 'outcomes.csv');
  if (!existsSync(file)) return [];
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as { id: string; callId: string; type: string }[];
}

async function crashAndRecover(store: (dir: string) => string, point: string, nth: number): Promise<{ rows: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-tracker-crash-'));
  const config = writeConfig(dir, store(dir));
  const calls = webhooks(`${point.replace(':', '-')}-${nth}-${Date.now().toString(36)}`);
  const first: CallrelayProcess = await startNode(nodeArgs(config, point, nth), { LOG_LEVEL: 'warn' });
  let node: CallrelayProcess | undefined;
  try {
    await postAll(first.url, calls);
    // The kill comes from inside, after the named write; it must happen for the test to mean anything.
    const exit = await Promise.race([first.exited.then(() => 'exited'), new Promise((r) => setTimeout(() => r('alive'), 15_000))]);
    expect(exit, `the node was killed after ${point} #${nth}\n${first.stderr()}`).to.equal('exited');
    expect(first.child.signalCode).to.equal('SIGKILL');

    node = await startNode(nodeArgs(config), { LOG_LEVEL: 'warn' });
    await postAll(node.url, calls);
    await eventually(() => {
      const seen = new Set(readOutcomes(dir).filter((r) => r.type === 'missed').map((r) => r.callId));
      return calls.every((c) => seen.has(c.callId)) ? true : undefined;
    }, 30_000, `a missed outcome for each of the ${CALLS} calls after a kill at ${point} #${nth}`);
    // Long enough for a second outcome (a redelivered settle timer, a lease expiring) to show up.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 2500));
    const rows = readOutcomes(dir);
    for (const call of calls) {
      const mine = rows.filter((r) => r.callId === call.callId);
      expect(new Set(mine.map((r) => r.type)), `${call.callId}: only missed`).to.deep.equal(new Set(['missed']));
      expect(new Set(mine.map((r) => r.id)).size, `${call.callId}: one missed event (rows may repeat: delivery is at-least-once)`).to.equal(1);
    }
    return { rows: rows.length };
  } finally {
    await first.kill('SIGKILL');
    await node?.kill('SIGTERM');
  }
}

/** Kill points: each durable write of the routing path, at the hit that matters for a missed call. */
const SQLITE_POINTS: [string, number, string][] = [
  ['routing:commit', 1, 'the first routing batch committed (states, timers, deliveries, ack: one transaction)'],
  ['routing:commit', 3, 'a later routing batch committed'],
  ['timer:state', 1, 'the first settle timer decided (state + missed event: one transaction)'],
  ['timers:ack', 1, 'the first settle timer acknowledged'],
];
const NATS_POINTS: [string, number, string][] = [
  ['tracker:state', 3, "a call state written, its outbox, deliveries and ack not yet"],
  ['tracker:timers', 2, "a settle timer enqueued after its state"],
  ['routing:deliveries', 2, 'deliveries enqueued, routing not yet acknowledged'],
  ['routing:ack', 2, 'a routing batch acknowledged'],
  ['timer:state', 1, 'the first settle decision written, its missed event not yet'],
  ['tracker:events', 1, 'the first missed event appended'],
  ['timers:ack', 1, 'the first settle timer acknowledged'],
];

describe('tracker writes survive a kill between any two of them (SQLite)', function () {
  this.timeout(120_000);
  for (const [point, nth, what] of SQLITE_POINTS) {
    it(`kill after ${point} #${nth} (${what}): every missed call alerted exactly once`, async () => {
      await crashAndRecover((dir) => `store: { type: sqlite, path: ${path.join(dir, 'store.db')} }`, point, nth);
    });
  }
});

describeWithNats('tracker writes survive a kill between any two of them (NATS)', function () {
  this.timeout(120_000);
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) await destroyPrefix(prefix).catch(() => undefined);
  });
  for (const [point, nth, what] of NATS_POINTS) {
    it(`kill after ${point} #${nth} (${what}): every missed call alerted exactly once`, async () => {
      const prefix = uniquePrefix('trk');
      prefixes.push(prefix);
      await crashAndRecover(() => `store: { type: nats, servers: ["${NATS_URL}"], prefix: ${prefix}, ackWaitMs: 1500, requestTimeoutMs: 2000 }`, point, nth);
    });
  }
});
