import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import type { CallEvent, Store } from '@callrelay/core';

/** How the store contract suite opens the store under test. */
export interface StoreContractFactory {
  /** Opens the store (again, after a close: the same storage). */
  open(): Promise<Store>;
  /** A second handle on the same storage, as another node or process opens it. */
  openPeer(): Promise<Store>;
  cleanup?(): Promise<void>;
}

let counter = 0;
/** A minimal valid event with a unique id. */
export function contractEvent(overrides: Partial<CallEvent> = {}): CallEvent {
  counter += 1;
  const now = new Date().toISOString();
  return {
    id: `contract-${process.pid}-${Date.now()}-${counter}`, source: 'contract', platform: 'test', callId: `call-${counter}`,
    type: 'ringing', direction: 'inbound', occurredAt: now, receivedAt: now, raw: { n: counter }, ...overrides,
  };
}

const lease = { leaseMs: 400, waitMs: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The storage contract every store fulfils (the embedded SQLite store, NATS JetStream, a plugin's
 * own): durable append with duplicate detection, leased work queues shared by several handles,
 * retries, dead letters and compare-and-set state.
 */
export function runStoreContract(name: string, factory: StoreContractFactory): void {
  describe(`store contract: ${name}`, function () {
    this.timeout(20_000);
    let store: Store;
    let peer: Store;
    let queueSeq = 0;
    const freshQueue = () => `contract-${Date.now()}-${++queueSeq}`;

    before(async () => {
      store = await factory.open();
      peer = await factory.openPeer();
    });
    after(async () => {
      await peer?.close();
      await store?.close();
      await factory.cleanup?.();
    });

    it('appends events, reports duplicates within a batch and across calls, and finds them by id', async () => {
      const a = contractEvent();
      const b = contractEvent();
      const first = await store.append([a, b, a]);
      expect(first.stored).to.have.members([a.id, b.id]);
      expect(first.duplicates).to.deep.equal([a.id]);
      const second = await peer.append([b]);
      expect(second).to.deep.equal({ stored: [], duplicates: [b.id] });
      expect((await store.getEvent(a.id))?.raw).to.deep.equal(a.raw);
      expect(await store.getEvent('no-such-event')).to.equal(undefined);
    });

    it('puts every newly stored event on the routing queue exactly once', async () => {
      // Drain what earlier tests left.
      for (let l = await store.routing.claim(100, lease); l.length; l = await store.routing.claim(100, lease)) for (const x of l) await store.routing.ack(x);
      const e = contractEvent();
      await store.append([e]);
      await store.append([e]);
      const leases = await store.routing.claim(10, { leaseMs: 5000, waitMs: 2000 });
      expect(leases.map((l) => l.id)).to.deep.equal([e.id]);
      expect(leases[0]!.payload.id).to.equal(e.id);
      await store.routing.ack(leases[0]!);
      expect(await store.routing.claim(10, lease)).to.have.length(0);
    });

    it('enqueues idempotently by id, also after the item was acknowledged', async () => {
      const q = store.deliveries(freshQueue());
      await q.enqueue([{ id: 'x', payload: { n: 1 } as never }, { id: 'x', payload: { n: 2 } as never }]);
      expect(await q.depth()).to.equal(1);
      const [l] = await q.claim(5, lease);
      expect((l!.payload as unknown as { n: number }).n).to.equal(1);
      await q.ack(l!);
      await q.enqueue([{ id: 'x', payload: { n: 3 } as never }]);
      expect(await q.depth()).to.equal(0);
      expect(await q.claim(5, lease)).to.have.length(0);
    });

    it('leases an item to one holder at a time and hands it out again when the lease expires', async () => {
      const sink = freshQueue();
      const q = store.deliveries(sink);
      const qPeer = peer.deliveries(sink);
      await q.enqueue([{ id: 'only', payload: {} as never }]);
      const [mine] = await q.claim(5, { leaseMs: 500, waitMs: 1000 });
      expect(mine?.deliveries).to.equal(1);
      expect(await qPeer.claim(5, { leaseMs: 500, waitMs: 0 }), 'not while leased').to.have.length(0);
      await sleep(700);
      const [theirs] = await qPeer.claim(5, { leaseMs: 5000, waitMs: 2000 });
      expect(theirs?.id).to.equal('only');
      expect(theirs!.deliveries).to.equal(2);
      expect(theirs!.attempts).to.equal(0);
      // The first holder's lease is gone: its late ack must not settle the peer's lease.
      await q.ack(mine!);
      expect(await qPeer.depth()).to.equal(1);
      await qPeer.ack(theirs!);
      expect(await q.depth()).to.equal(0);
    });

    it('retries after a delay, counting attempts unless told not to', async () => {
      const q = store.deliveries(freshQueue());
      await q.enqueue([{ id: 'r', payload: {} as never }]);
      let [l] = await q.claim(1, lease);
      await q.retry(l!, { delayMs: 600 });
      expect(await q.claim(1, lease), 'not before the delay').to.have.length(0);
      [l] = await q.claim(1, { leaseMs: 400, waitMs: 3000 });
      expect(l?.attempts).to.equal(1);
      await q.retry(l!, { delayMs: 0, countsAsAttempt: false });
      [l] = await q.claim(1, { leaseMs: 400, waitMs: 2000 });
      expect(l?.attempts).to.equal(1);
      expect(await q.depth()).to.equal(1);
      await q.ack(l!);
    });

    it('honours notBefore and counts delayed, ready and leased items in depth', async () => {
      const q = store.deliveries(freshQueue());
      await q.enqueue([
        { id: 'later', payload: {} as never, notBefore: Date.now() + 60_000 },
        { id: 'now', payload: {} as never },
        { id: 'now2', payload: {} as never },
      ]);
      const leases = await q.claim(5, lease);
      expect(leases.map((l) => l.id)).to.have.members(['now', 'now2']);
      expect(await q.depth()).to.equal(3);
      for (const l of leases) await q.ack(l);
      expect(await q.depth()).to.equal(1);
    });

    it('wakes a waiting claimer when work is enqueued, also from another handle, and returns on abort', async () => {
      const sink = freshQueue();
      const q = store.deliveries(sink);
      const waiting = q.claim(1, { leaseMs: 1000, waitMs: 8000 });
      await sleep(100);
      await peer.deliveries(sink).enqueue([{ id: 'w', payload: {} as never }]);
      const got = await waiting;
      expect(got.map((l) => l.id)).to.deep.equal(['w']);
      const controller = new AbortController();
      const aborted = q.claim(1, { leaseMs: 1000, waitMs: 10_000, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      expect(await aborted).to.have.length(0);
    });

    it('keeps dead letters, visible from every handle, filterable by sink, removable', async () => {
      const e = contractEvent();
      const sinkA = freshQueue();
      await store.deadLetters.add({ id: `${sinkA}/1`, sinkId: sinkA, delivery: { sinkId: sinkA, pipeline: 'p', event: e }, reason: 'HTTP 410', attempts: 1, failedAt: new Date().toISOString() });
      await store.deadLetters.add({ id: `${sinkA}/2`, sinkId: 'other-sink', delivery: { sinkId: 'other-sink', pipeline: 'p', event: e }, reason: 'x', attempts: 8, failedAt: new Date().toISOString() });
      const listed = await peer.deadLetters.list({ sinkId: sinkA });
      expect(listed.map((l) => [l.id, l.reason])).to.deep.equal([[`${sinkA}/1`, 'HTTP 410']]);
      expect((await peer.deadLetters.get(`${sinkA}/1`))?.delivery.event.id).to.equal(e.id);
      expect(await store.deadLetters.list({ limit: 1 })).to.have.length(1);
      await peer.deadLetters.remove(`${sinkA}/1`);
      expect(await store.deadLetters.get(`${sinkA}/1`)).to.equal(undefined);
      await store.deadLetters.remove(`${sinkA}/2`);
    });

    it('compare-and-sets key-value state across handles, with isolated namespaces', async () => {
      const ns = freshQueue();
      const kv = store.kv(ns);
      const kvPeer = peer.kv(ns);
      const r1 = await kv.put('call:1', { n: 1 }, 0);
      expect(r1).to.be.a('number');
      expect(await kvPeer.put('call:1', { n: 99 }, 0), 'create when present').to.equal(false);
      const seen = await kvPeer.get<{ n: number }>('call:1');
      expect(seen).to.deep.equal({ value: { n: 1 }, revision: r1 });
      const r2 = await kvPeer.put('call:1', { n: 2 }, r1 as number);
      expect(r2).to.be.a('number').and.not.equal(r1);
      expect(await kv.put('call:1', { n: 3 }, r1 as number), 'stale revision').to.equal(false);
      expect((await kv.get<{ n: number }>('call:1'))?.value.n).to.equal(2);
      expect(await store.kv(`${ns}-other`).get('call:1')).to.equal(undefined);
      await kv.delete('call:1');
      expect(await kvPeer.get('call:1')).to.equal(undefined);
      expect(await kv.put('call:1', { n: 4 })).to.be.a('number');
    });

    it('keeps events, queued work and state across close and reopen; close twice is safe', async () => {
      const sink = freshQueue();
      const e = contractEvent();
      await store.append([e]);
      await store.deliveries(sink).enqueue([{ id: 'survivor', payload: { sinkId: sink, pipeline: 'p', event: e } }]);
      await store.kv('persist').put('k', { ok: true });
      await store.close();
      await store.close();
      store = await factory.open();
      expect((await store.getEvent(e.id))?.id).to.equal(e.id);
      const [l] = await store.deliveries(sink).claim(1, { leaseMs: 1000, waitMs: 2000 });
      expect(l?.id).to.equal('survivor');
      expect(l!.payload.event.id).to.equal(e.id);
      await store.deliveries(sink).ack(l!);
      expect((await store.kv('persist').get<{ ok: boolean }>('k'))?.value.ok).to.equal(true);
    });
  });
}
