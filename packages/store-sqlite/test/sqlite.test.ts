import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { Delivery } from '@callrelay/core';
import { contractEvent, testContext } from '@callrelay/testkit';
import sqlite, { SqliteStore } from '@callrelay/store-sqlite';
import { SCHEMA_SQL } from '../src/schema.js';

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-sqlite-')), 'store.db');
const delivery = (sinkId: string): Delivery => ({ sinkId, pipeline: 'p', event: contractEvent() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure naming `what` if it has not settled within `ms` (a bound on waiting, not a speed check). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Node arguments that run test/peer-process.ts from sources, as mocha runs this file. */
const peerProcess = (...args: string[]) => [
  '--conditions=callrelay-source', '--import', 'tsx', fileURLToPath(new URL('./peer-process.ts', import.meta.url)), ...args,
];

describe('sqlite store', function () {
  this.timeout(20_000);

  describe('group commit', () => {
    it('commits appends and enqueues made in one event-loop turn in a few transactions', async () => {
      const store = await SqliteStore.open({ path: tempFile() });
      const q = store.deliveries('s');
      let before = await store.commits();
      for (let i = 0; i < 5; i++) await store.append([contractEvent()]);
      expect((await store.commits()) - before, 'one awaited append after another: one commit each').to.be.at.least(5);

      before = await store.commits();
      const appends = Array.from({ length: 150 }, () => store.append([contractEvent()]));
      const enqueues = Array.from({ length: 150 }, (_, i) => q.enqueue([{ id: `d${i}`, payload: delivery('s') }]));
      const results = await Promise.all(appends);
      await Promise.all(enqueues);
      const commits = (await store.commits()) - before;
      expect(commits, `${commits} commits for 300 concurrent writes`).to.be.at.most(10);
      expect(results.every((r) => r.stored.length === 1)).to.equal(true);
      expect(await store.routing.depth()).to.equal(155);
      expect(await q.depth()).to.equal(150);
      await store.close();
    });

    it('fails one write alone: a conflicting CAS in a batch does not fail its neighbours', async () => {
      const store = await SqliteStore.open({ path: tempFile() });
      const kv = store.kv('n');
      await kv.put('a', 1, 0);
      const [conflict, fresh, event] = await Promise.all([kv.put('a', 2, 0), kv.put('b', 1, 0), store.append([contractEvent()])]);
      expect(conflict).to.equal(false);
      expect(fresh).to.be.a('number');
      expect(event.stored).to.have.length(1);
      expect((await kv.get('a'))?.value).to.equal(1);
      await store.close();
    });
  });

  describe('waiting claimers in this process', () => {
    // A poll interval far beyond the bounds below: only the in-process wake-up can pass these.
    let store: SqliteStore;
    before(async () => { store = await SqliteStore.open({ path: tempFile(), pollIntervalMs: 60_000 }); });
    after(() => store.close());
    const waitLong = { leaseMs: 10_000, waitMs: 30_000 };

    it('are woken at once by a local enqueue and by a local retry', async () => {
      const q = store.deliveries('wake');
      const waiting = q.claim(1, waitLong);
      await sleep(50);
      await q.enqueue([{ id: 'a', payload: delivery('s') }]);
      const [first] = await within(5000, 'woken by enqueue', waiting);
      expect(first?.id).to.equal('a');
      const second = q.claim(1, waitLong);
      await sleep(50);
      await q.retry(first!, { delayMs: 0 });
      const [again] = await within(5000, 'woken by retry', second);
      expect(again?.id).to.equal('a');
      expect(again!.attempts).to.equal(1);
    });

    it('wake up when the earliest delayed item becomes ready', async () => {
      const q = store.deliveries('delayed');
      const readyAt = Date.now() + 300;
      await q.enqueue([{ id: 'later', payload: delivery('s'), notBefore: readyAt }]);
      const [l] = await within(5000, 'woken by notBefore', q.claim(1, waitLong));
      expect(l?.id).to.equal('later');
      expect(Date.now()).to.be.at.least(readyAt);
    });

    it('return on abort and on close', async () => {
      const q = store.deliveries('abort');
      const controller = new AbortController();
      const aborted = q.claim(1, { ...waitLong, signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect(await within(5000, 'claim after abort', aborted)).to.deep.equal([]);
      const closing = q.claim(1, waitLong);
      await sleep(50);
      await store.close();
      expect(await within(5000, 'claim after close', closing)).to.deep.equal([]);
    });
  });

  describe('another process on the same file', () => {
    it('sees work another process enqueued while it waits', async () => {
      const file = tempFile();
      const store = await SqliteStore.open({ path: file, pollIntervalMs: 50 });
      const waiting = store.deliveries('s').claim(1, { leaseMs: 10_000, waitMs: 30_000 });
      await promisify(execFile)(process.execPath, peerProcess('enqueue', file, 's', 'from-peer'));
      const [l] = await within(5000, 'work from the other process', waiting);
      expect(l?.id).to.equal('from-peer');
      expect(l!.payload.pipeline).to.equal('peer');
      await store.close();
    });

    it('resumes after a process is killed holding a lease: the event is kept and the lease runs out', async () => {
      const file = tempFile();
      const child = spawn(process.execPath, peerProcess('crash', file, 's', 'in-flight'), { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const eventId = await within(15_000, 'peer process leasing', new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /leased (\S+)\n/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`peer process exited with ${code}`)));
      }));
      child.kill('SIGKILL');
      await exited;

      const store = await SqliteStore.open({ path: file, pollIntervalMs: 50 });
      expect((await store.getEvent(eventId))?.id, 'the acknowledged append survived the kill').to.equal(eventId);
      expect((await store.routing.claim(5, { leaseMs: 1000, waitMs: 0 })).map((l) => l.id)).to.deep.equal([eventId]);
      const [l] = await store.deliveries('s').claim(1, { leaseMs: 1000, waitMs: 5000 });
      expect(l?.id).to.equal('in-flight');
      expect(l!.deliveries, 'the dead lease counts as a delivery').to.equal(2);
      await store.deliveries('s').ack(l!);
      expect(await store.deliveries('s').depth()).to.equal(0);
      await store.close();
    });
  });

  describe('lifecycle', () => {
    it('finishes writes still queued when close is called, rejects later ones, leaves a WAL file', async () => {
      const file = tempFile();
      let store = await SqliteStore.open({ path: file });
      const e = contractEvent();
      const appended = store.append([e]);
      await store.close();
      expect(await appended).to.deep.equal({ stored: [e.id], duplicates: [] });
      let error: unknown;
      await store.append([contractEvent()]).catch((err: unknown) => { error = err; });
      expect(String(error)).to.match(/closed/);
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      } finally {
        db.close();
      }
      store = await SqliteStore.open({ path: file });
      expect((await store.getEvent(e.id))?.id).to.equal(e.id);
      await store.close();
    });
  });

  describe('opening', () => {
    it('rejects a file that is not a database, naming the file and the SQLite code', async () => {
      const file = tempFile();
      writeFileSync(file, 'call,from,to\n'.repeat(200));
      let error: (Error & { code?: string }) | undefined;
      await SqliteStore.open({ path: file }).catch((err: Error) => { error = err; });
      expect(error?.message).to.include(file).and.match(/not a database/);
      expect(error?.code).to.equal('SQLITE_NOTADB');
    });
  });

  describe('definition', () => {
    it('resolves the file against the config folder and creates missing folders', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-sqlite-cfg-'));
      const store = await sqlite.create(sqlite.config.parse({ path: 'nested/data.db' }), { ...testContext(), baseDir: dir });
      await store.append([contractEvent()]);
      expect(existsSync(path.join(dir, 'nested', 'data.db'))).to.equal(true);
      await store.close();
    });

    it('defaults to a durable file and warns when told to keep everything in memory', async () => {
      const config = sqlite.config.parse({});
      expect(config).to.include({ path: 'callrelay.db', synchronous: 'full' });
      const lines: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } });
      const store = await sqlite.create(sqlite.config.parse({ path: ':memory:' }), { ...testContext(), logger });
      expect(lines.join('')).to.match(/memory/);
      await store.append([contractEvent()]);
      expect(await store.routing.depth()).to.equal(1);
      await store.close();
    });
  });
});

describe('sqlite store: storage keeps up', function () {
  this.timeout(60_000);

  it('prunes every settled item and expired event in one pass, past the old cap of 100k rows per 10 minutes, and the file shrinks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-prune-'));
    const file = path.join(dir, 'store.db');
    const store = await SqliteStore.open({ path: file });
    await store.close();
    // 130k settled queue items and 20k events, all past retention, written straight into the file.
    const db = new Database(file);
    const old = Date.now() - 40 * 86_400_000;
    const body = JSON.stringify({ filler: 'x'.repeat(600) });
    db.transaction(() => {
      const item = db.prepare('INSERT INTO queue_items (queue, id, seq, payload, done, ready_at, settled_at) VALUES (?, ?, ?, \'\', 1, ?, ?)');
      for (let i = 0; i < 130_000; i++) item.run('sink:x', `d${i}`, i, old, old);
      const event = db.prepare('INSERT INTO events (id, body, stored_at) VALUES (?, ?, ?)');
      for (let i = 0; i < 20_000; i++) event.run(`e${i}`, body, old);
      // ...and routed long ago: the routing log has passed them (only routed events are pruned).
      db.prepare("UPDATE counters SET value = (SELECT MAX(seq) FROM events) WHERE name = 'routing_hwm'").run();
    })();
    db.close();
    const pages = () => {
      const probe = new Database(file, { readonly: true });
      try { return probe.pragma('page_count', { simple: true }) as number; } finally { probe.close(); }
    };
    const before = pages();
    const reopened = await SqliteStore.open({ path: file });
    const removed = await reopened.prune();
    await reopened.close();
    expect(removed).to.equal(150_000);
    const check = new Database(file, { readonly: true });
    expect((check.prepare('SELECT COUNT(*) AS n FROM queue_items').get() as { n: number }).n).to.equal(0);
    expect((check.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).to.equal(0);
    const autoVacuum = check.pragma('auto_vacuum', { simple: true });
    check.close();
    expect(autoVacuum, 'new files use incremental auto-vacuum').to.equal(2);
    // Freed pages go back to the file system a few MB per pass (2048 pages), not all at once.
    expect(pages(), 'the file shrinks').to.be.at.most(before - 2048);
  });
});

describe('sqlite store: the routing log (an offset over the event log)', function () {
  this.timeout(30_000);

  it('never prunes an event that is still waiting to be routed, however old', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-routing-log-')), 'store.db');
    const store = await SqliteStore.open({ path: file });
    await store.append([contractEvent({ id: 'waiting-1' }), contractEvent({ id: 'waiting-2' })]);
    expect(await store.prune(Date.now() + 400 * 86_400_000)).to.equal(0);
    const leases = await store.routing.claim(10, { leaseMs: 60_000, waitMs: 0 });
    expect(leases.map((l) => l.id)).to.deep.equal(['waiting-1', 'waiting-2']);
    await store.routing.ack(leases[0]!);
    // waiting-2 is leased, not settled: kept. waiting-1 is routed: pruned once past retention.
    expect(await store.prune(Date.now() + 400 * 86_400_000)).to.equal(1);
    expect(await store.getEvent('waiting-2')).to.not.equal(undefined);
    await store.close();
  });

  it('moves a file written with a routing row per event onto the offset: unrouted events are still routed', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-routing-migrate-')), 'store.db');
    const db = new Database(file);
    db.exec(SCHEMA_SQL);
    const now = Date.now();
    const insert = db.prepare('INSERT INTO events (id, body, stored_at) VALUES (?, ?, ?)');
    for (const id of ['routed-1', 'routed-2', 'pending-1', 'pending-2']) insert.run(id, JSON.stringify(contractEvent({ id })), now);
    const item = db.prepare("INSERT INTO queue_items (queue, id, seq, payload, done, ready_at) VALUES ('_routing', ?, ?, '', ?, ?)");
    item.run('routed-1', 1, 1, now); item.run('routed-2', 2, 1, now); item.run('pending-1', 3, 0, now); item.run('pending-2', 4, 0, now);
    db.close();
    const store = await SqliteStore.open({ path: file });
    const leases = await store.routing.claim(10, { leaseMs: 60_000, waitMs: 0 });
    expect(leases.map((l) => l.id)).to.deep.equal(['pending-1', 'pending-2']);
    await store.close();
  });
});
