import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import type { CallEvent, Delivery, Lease, Store, WorkQueue } from '@callrelay/core';

/** How the store contract suite opens the store under test. */
export interface StoreContractFactory {
  /** Opens the store (again, after a close: the same storage). */
  open(): Promise<Store>;
  /** A second handle on the same storage, as another node or process opens it. */
  openPeer(): Promise<Store>;
  /** Called after the suite, once both handles are closed: remove files, streams, prefixes. */
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

/** A delivery payload for the queue tests. */
function delivery(sinkId: string, event = contractEvent()): Delivery {
  return { sinkId, pipeline: 'contract', event };
}

/** A short lease and no waiting: "what is ready right now". */
const now = { leaseMs: 400, waitMs: 0 };
/** A lease that outlives the test, for items that must stay with their holder. */
const held = { leaseMs: 10_000, waitMs: 0 };
/**
 * How long a claimer that should be woken may take before the test calls it a failure. Far above
 * any store's poll interval: it tells "woken" from "waited until `waitMs` ran out", it is not a
 * speed requirement.
 */
const WAKE_BOUND_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Claims until a claim comes back empty (a store may hand out fewer than `max` per claim). */
async function claimAll<T>(queue: WorkQueue<T>, options: { leaseMs: number; waitMs: number }): Promise<Lease<T>[]> {
  const all: Lease<T>[] = [];
  for (let batch = await queue.claim(100, options); batch.length; batch = await queue.claim(100, options)) all.push(...batch);
  return all;
}

const ids = (leases: readonly Lease<unknown>[]) => leases.map((l) => l.id);

/**
 * The storage contract every store fulfils (the embedded SQLite store, NATS JetStream, a plugin's
 * own): durable append with duplicate detection, leased work queues shared by several handles,
 * retries, dead letters and compare-and-set state. Declares one mocha `describe` named
 * `store contract: <name>`; the factory's two handles must reach the same storage.
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

    describe('event log', () => {
      it('appends events, reports duplicates within a batch and across calls, and finds them by id from every handle', async () => {
        const a = contractEvent();
        const b = contractEvent();
        const first = await store.append([a, b, a]);
        expect(first.stored).to.have.members([a.id, b.id]);
        expect(first.duplicates).to.deep.equal([a.id]);
        const second = await peer.append([b]);
        expect(second).to.deep.equal({ stored: [], duplicates: [b.id] });
        expect(await store.getEvent(a.id)).to.deep.equal(a);
        expect((await peer.getEvent(b.id))?.raw).to.deep.equal(b.raw);
        expect(await store.getEvent('no-such-event')).to.equal(undefined);
      });

      it('stores an event appended by two handles at once only once', async () => {
        const e = contractEvent();
        const results = await Promise.all([store.append([e]), peer.append([e])]);
        expect(results.flatMap((r) => r.stored)).to.deep.equal([e.id]);
        expect(results.flatMap((r) => r.duplicates)).to.deep.equal([e.id]);
      });

      it('puts every newly stored event on the routing queue exactly once', async () => {
        for (const l of await claimAll(store.routing, now)) await store.routing.ack(l); // what earlier tests left
        const [e, f, g] = [contractEvent(), contractEvent(), contractEvent()];
        await store.append([e]);
        await store.append([e]);
        await peer.append([f, e]);
        await Promise.all([store.append([g]), peer.append([g])]);
        const leases = await claimAll(store.routing, { leaseMs: 10_000, waitMs: 500 });
        expect(ids(leases)).to.have.members([e.id, f.id, g.id]).and.have.length(3);
        expect(leases.find((l) => l.id === f.id)?.payload).to.deep.equal(f);
        for (const l of leases) await store.routing.ack(l);
        expect(await peer.routing.claim(10, now)).to.have.length(0);
      });
    });

    describe('work queues', () => {
      it('enqueues idempotently by id: while queued, while leased and after acknowledgement', async () => {
        const sink = freshQueue();
        const q = store.deliveries(sink);
        await q.enqueue([{ id: 'x', payload: delivery('first') }, { id: 'x', payload: delivery('second') }]);
        expect(await q.depth()).to.equal(1);
        const [l] = await q.claim(5, held);
        expect(l!.payload.sinkId).to.equal('first');
        await peer.deliveries(sink).enqueue([{ id: 'x', payload: delivery('while-leased') }]);
        expect(await q.depth()).to.equal(1);
        expect(await peer.deliveries(sink).claim(5, now), 'not handed out while leased').to.have.length(0);
        await q.ack(l!);
        await q.enqueue([{ id: 'x', payload: delivery('after-ack') }]);
        expect(await q.depth()).to.equal(0);
        expect(await q.claim(5, now)).to.have.length(0);
      });

      it('leases at most `max` items per claim, each to one claimer, and forgets acknowledged ones', async () => {
        const q = store.deliveries(freshQueue());
        await q.enqueue(['a', 'b', 'c'].map((id) => ({ id, payload: delivery('s') })));
        const first = await q.claim(2, { leaseMs: 300, waitMs: 0 });
        expect(first).to.have.length(2);
        expect(first.every((l) => l.attempts === 0 && l.deliveries === 1)).to.equal(true);
        const rest = await q.claim(5, { leaseMs: 300, waitMs: 0 });
        expect(ids([...first, ...rest])).to.have.members(['a', 'b', 'c']).and.have.length(3);
        for (const l of [...first, ...rest]) await q.ack(l);
        expect(await q.depth()).to.equal(0);
        await sleep(500); // past the leases: an acknowledged item must not come back
        expect(await q.claim(5, now)).to.have.length(0);
      });

      it('keeps queues apart: the same id in two sinks and the timers is three items', async () => {
        const [a, b] = [freshQueue(), freshQueue()];
        const id = `same-${a}`;
        await store.deliveries(a).enqueue([{ id, payload: delivery(a) }]);
        await store.deliveries(b).enqueue([{ id, payload: delivery(b) }]);
        await store.timers.enqueue([{ id, payload: { kind: 'contract', key: id } }]);
        const [la] = await store.deliveries(a).claim(5, held);
        expect(la?.payload.sinkId).to.equal(a);
        await store.deliveries(a).ack(la!);
        expect(await store.deliveries(b).depth()).to.equal(1);
        const [lb] = await peer.deliveries(b).claim(5, held);
        expect(lb?.payload.sinkId).to.equal(b);
        await peer.deliveries(b).ack(lb!);
        const timers = await claimAll(store.timers, held);
        const timer = timers.find((l) => l.id === id);
        expect(timer?.payload).to.deep.equal({ kind: 'contract', key: id });
        for (const l of timers) await store.timers.ack(l);
      });

      it('leases an item to one holder at a time, hands it out again when the lease expires, and ignores stale settles', async () => {
        const sink = freshQueue();
        const q = store.deliveries(sink);
        const qPeer = peer.deliveries(sink);
        await q.enqueue([{ id: 'only', payload: delivery(sink) }]);
        const [mine] = await q.claim(5, { leaseMs: 500, waitMs: 1000 });
        expect(mine?.deliveries).to.equal(1);
        expect(await qPeer.claim(5, { leaseMs: 500, waitMs: 0 }), 'not while leased').to.have.length(0);
        await sleep(700);
        const [theirs] = await qPeer.claim(5, { leaseMs: 10_000, waitMs: 2000 });
        expect(theirs?.id).to.equal('only');
        expect(theirs!.deliveries).to.equal(2);
        expect(theirs!.attempts).to.equal(0);
        // The first holder's lease is gone: its late settles must not touch the peer's lease.
        await q.retry(mine!, { delayMs: 0 });
        expect(await q.claim(5, now), 'a stale retry must not release the item').to.have.length(0);
        await q.ack(mine!);
        expect(await qPeer.depth(), 'a stale ack must not remove the item').to.equal(1);
        await qPeer.ack(theirs!);
        expect(await q.depth()).to.equal(0);
      });

      it('extends a lease that is still being worked on (when the store can)', async function () {
        const sink = freshQueue();
        const q = store.deliveries(sink);
        if (!q.extend) this.skip();
        await q.enqueue([{ id: 'long', payload: delivery(sink) }]);
        const [l] = await q.claim(1, { leaseMs: 300, waitMs: 0 });
        await q.extend!(l!, 10_000);
        await sleep(500);
        expect(await peer.deliveries(sink).claim(1, now), 'not after the original lease ended').to.have.length(0);
        await q.ack(l!);
        expect(await q.depth()).to.equal(0);
      });

      it('retries after a delay, counting attempts unless told not to', async () => {
        const q = store.deliveries(freshQueue());
        await q.enqueue([{ id: 'r', payload: delivery('s') }]);
        let [l] = await q.claim(1, now);
        expect(l?.attempts).to.equal(0);
        const retriedAt = Date.now();
        await q.retry(l!, { delayMs: 600, reason: 'HTTP 503' });
        expect(await q.claim(1, now), 'not before the delay').to.have.length(0);
        expect(await q.depth(), 'a delayed item is still queued').to.equal(1);
        [l] = await q.claim(1, { leaseMs: 400, waitMs: 5000 });
        expect(l?.id).to.equal('r');
        expect(Date.now() - retriedAt, 'handed out after the delay').to.be.at.least(600 - 50);
        expect(l!.attempts).to.equal(1);
        await q.retry(l!, { delayMs: 0, countsAsAttempt: false });
        [l] = await q.claim(1, { leaseMs: 400, waitMs: 2000 });
        expect(l?.attempts, 'countsAsAttempt: false').to.equal(1);
        expect(l!.deliveries).to.equal(3);
        await q.retry(l!, { delayMs: 0 });
        [l] = await q.claim(1, { leaseMs: 400, waitMs: 2000 });
        expect(l?.attempts).to.equal(2);
        await q.ack(l!);
        expect(await q.depth()).to.equal(0);
      });

      it('honours notBefore, also waking a waiting claimer when it passes', async () => {
        const q = store.deliveries(freshQueue());
        const soonAt = Date.now() + 500;
        await q.enqueue([
          { id: 'later', payload: delivery('s'), notBefore: Date.now() + 60_000 },
          { id: 'soon', payload: delivery('s'), notBefore: soonAt },
          { id: 'now', payload: delivery('s') },
        ]);
        const ready = await q.claim(5, held);
        expect(ids(ready)).to.deep.equal(['now']);
        const soon = await within(WAKE_BOUND_MS, 'claim of an item whose notBefore passed', q.claim(5, { leaseMs: 10_000, waitMs: 30_000 }));
        expect(ids(soon)).to.deep.equal(['soon']);
        expect(Date.now(), 'not before notBefore').to.be.at.least(soonAt - 50);
        for (const l of [...ready, ...soon]) await q.ack(l);
        expect(await q.claim(5, now), 'later is not ready').to.have.length(0);
        expect(await q.depth()).to.equal(1);
      });

      it('counts ready, delayed and leased items in depth', async () => {
        const sink = freshQueue();
        const q = store.deliveries(sink);
        await q.enqueue([
          { id: 'delayed', payload: delivery('s'), notBefore: Date.now() + 60_000 },
          { id: 'r1', payload: delivery('s') },
          { id: 'r2', payload: delivery('s') },
          { id: 'r3', payload: delivery('s') },
        ]);
        const [leased, ...none] = await q.claim(1, { leaseMs: 10_000, waitMs: 2000 });
        expect(none, 'at most max').to.have.length(0);
        expect(await q.depth(), '1 leased + 2 ready + 1 delayed').to.equal(4);
        expect(await peer.deliveries(sink).depth(), 'the same from another handle').to.equal(4);
        await q.ack(leased!);
        expect(await q.depth()).to.equal(3);
      });

      it('wakes a waiting claimer when work is enqueued on the same handle or another one', async () => {
        const sink = freshQueue();
        const q = store.deliveries(sink);
        let waiting = q.claim(1, { leaseMs: 10_000, waitMs: 30_000 });
        await sleep(100);
        await q.enqueue([{ id: 'local', payload: delivery(sink) }]);
        expect(ids(await within(WAKE_BOUND_MS, 'woken by a local enqueue', waiting))).to.deep.equal(['local']);
        waiting = q.claim(1, { leaseMs: 10_000, waitMs: 30_000 });
        await sleep(100);
        await peer.deliveries(sink).enqueue([{ id: 'remote', payload: delivery(sink) }]);
        expect(ids(await within(WAKE_BOUND_MS, 'woken by an enqueue on another handle', waiting))).to.deep.equal(['remote']);
      });

      it('returns from a waiting claim when its signal aborts', async () => {
        const q = store.deliveries(freshQueue());
        const controller = new AbortController();
        const aborted = q.claim(1, { leaseMs: 1000, waitMs: 60_000, signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        expect(await within(WAKE_BOUND_MS, 'claim after abort', aborted)).to.have.length(0);
        const already = AbortSignal.abort();
        expect(await within(WAKE_BOUND_MS, 'claim with an aborted signal', q.claim(1, { leaseMs: 1000, waitMs: 60_000, signal: already }))).to.have.length(0);
      });
    });

    describe('dead letters', () => {
      it('keeps dead letters, visible from every handle, filterable by sink, limited, removable', async () => {
        const e = contractEvent();
        const sinkA = freshQueue();
        const sinkB = freshQueue();
        const letter = (id: string, sinkId: string, reason: string, attempts: number) =>
          ({ id, sinkId, delivery: delivery(sinkId, e), reason, attempts, failedAt: new Date().toISOString() });
        await store.deadLetters.add(letter(`${sinkA}/1`, sinkA, 'HTTP 410', 1));
        await store.deadLetters.add(letter(`${sinkA}/2`, sinkA, 'HTTP 404', 2));
        await peer.deadLetters.add(letter(`${sinkB}/1`, sinkB, 'HTTP 400', 8));
        const listed = await peer.deadLetters.list({ sinkId: sinkA });
        expect(listed.map((l) => [l.id, l.reason, l.attempts])).to.have.deep.members([[`${sinkA}/1`, 'HTTP 410', 1], [`${sinkA}/2`, 'HTTP 404', 2]]);
        expect(await store.deadLetters.list({ sinkId: sinkA, limit: 1 })).to.have.length(1);
        expect((await store.deadLetters.list()).map((l) => l.id)).to.include.members([`${sinkA}/1`, `${sinkA}/2`, `${sinkB}/1`]);
        expect(await store.deadLetters.list({ limit: 2 })).to.have.length(2);
        const got = await peer.deadLetters.get(`${sinkA}/1`);
        expect(got?.delivery).to.deep.equal(delivery(sinkA, e));
        expect(got?.sinkId).to.equal(sinkA);
        expect(await store.deadLetters.get('no-such-letter')).to.equal(undefined);
        await peer.deadLetters.remove(`${sinkA}/1`);
        expect(await store.deadLetters.get(`${sinkA}/1`)).to.equal(undefined);
        expect((await store.deadLetters.list({ sinkId: sinkA })).map((l) => l.id)).to.deep.equal([`${sinkA}/2`]);
        await store.deadLetters.remove('no-such-letter');
      });
    });

    describe('key-value state', () => {
      it('compare-and-sets across handles: create only if absent, stale revisions lose', async () => {
        const ns = freshQueue();
        const kv = store.kv(ns);
        const kvPeer = peer.kv(ns);
        expect(await kv.put('call:1', { n: 0 }, 7), 'update of a missing key').to.equal(false);
        const r1 = await kv.put('call:1', { n: 1 }, 0);
        expect(r1).to.be.a('number');
        expect(await kvPeer.put('call:1', { n: 99 }, 0), 'create when present').to.equal(false);
        expect(await kvPeer.get<{ n: number }>('call:1')).to.deep.equal({ value: { n: 1 }, revision: r1 });
        const r2 = await kvPeer.put('call:1', { n: 2 }, r1 as number);
        expect(r2).to.be.a('number').and.not.equal(r1);
        expect(await kv.put('call:1', { n: 3 }, r1 as number), 'stale revision').to.equal(false);
        expect(await kv.get<{ n: number }>('call:1')).to.deep.equal({ value: { n: 2 }, revision: r2 });
        await kv.delete('call:1');
        expect(await kvPeer.get('call:1')).to.equal(undefined);
        expect(await kv.put('call:1', { n: 4 }, r2 as number), 'revision of a deleted key').to.equal(false);
        expect(await kv.put('call:1', { n: 5 }, 0), 'create after delete').to.be.a('number');
        expect(await kv.put('call:1', { n: 6 }), 'unconditional').to.be.a('number');
        expect((await kv.get<{ n: number }>('call:1'))?.value.n).to.equal(6);
        await kv.delete('no-such-key');
      });

      it('expires a key written with ttlMs: present before, absent after, and it can be created again', async () => {
        const ns = freshQueue();
        const kv = store.kv(ns);
        expect(await kv.put('ledger', { n: 1 }, 0, { ttlMs: 400 })).to.be.a('number');
        expect((await peer.kv(ns).get<{ n: number }>('ledger'))?.value.n, 'before expiry').to.equal(1);
        expect(await kv.put('kept', { n: 1 }, 0), 'without ttl').to.be.a('number');
        await new Promise((r) => setTimeout(r, 600));
        expect(await peer.kv(ns).get('ledger'), 'after expiry').to.equal(undefined);
        expect(await kv.put('ledger', { n: 2 }, 0), 'an expired key counts as absent').to.be.a('number');
        expect((await kv.get<{ n: number }>('ledger'))?.value.n).to.equal(2);
        expect((await kv.get<{ n: number }>('kept'))?.value.n, 'a key without ttl stays').to.equal(1);
      });

      it('keeps namespaces apart', async () => {
        const ns = freshQueue();
        await store.kv(ns).put('k', 'one');
        expect(await store.kv(`${ns}-other`).get('k')).to.equal(undefined);
        expect(await peer.kv(`${ns}-other`).put('k', 'two', 0)).to.be.a('number');
        expect((await store.kv(ns).get<string>('k'))?.value).to.equal('one');
        await store.kv(`${ns}-other`).delete('k');
        expect((await peer.kv(ns).get<string>('k'))?.value).to.equal('one');
      });
    });

    describe('call state commits (stores that offer commitCallState)', () => {
      it('writes the state, its events and its timers together, and nothing of them on a revision conflict', async function () {
        if (!store.commitCallState) {
          // Not a failure: the tracker falls back to its outbox ordering on such stores.
          this.test!.title += ' (not applicable: the store has no atomic multi-key write; the tracker uses its outbox)';
          this.skip();
        }
        const ns = freshQueue();
        const missed = contractEvent({ type: 'missed', callId: `commit-${ns}` });
        const lost = contractEvent({ type: 'completed', callId: `commit-${ns}` });
        const timer = { id: `${ns}#timer1`, payload: { kind: 'call-settle', key: ns }, notBefore: Date.now() };
        const r1 = await store.commitCallState!(ns, { key: 'call', value: { n: 1 }, expectedRevision: 0, events: [missed], timers: [timer] });
        expect(r1).to.be.a('number');
        expect(await peer.getEvent(missed.id), 'the event is in the log').to.deep.include({ id: missed.id });
        expect((await peer.kv(ns).get<{ n: number }>('call'))?.value.n).to.equal(1);
        const conflict = await peer.commitCallState!(ns, {
          key: 'call', value: { n: 2 }, expectedRevision: 0, events: [lost], timers: [{ ...timer, id: `${ns}#timer2` }],
        });
        expect(conflict, 'stale revision').to.equal(false);
        expect(await store.getEvent(lost.id), 'no event of a lost commit').to.equal(undefined);
        const timers = [];
        for (let i = 0; i < 5; i++) {
          const leases = await store.timers.claim(100, { leaseMs: 60_000, waitMs: 200 });
          timers.push(...leases.filter((l) => l.payload.key === ns));
          for (const lease of leases) await store.timers.retry(lease, { delayMs: 0, countsAsAttempt: false });
          if (timers.length) break;
        }
        expect(timers.map((t) => t.id), 'only the timer of the commit that won').to.deep.equal([`${ns}#timer1`]);
        for (const lease of timers) await store.timers.ack(lease);
      });
    });

    describe('routing commits (stores that offer commitRouting)', () => {
      it('writes call states, their events and timers, deliveries and routing acks together, or nothing on a conflict', async function () {
        if (!store.commitRouting) {
          this.test!.title += ' (not applicable: the store has no atomic multi-key write; routing writes in an order a redelivery completes)';
          this.skip();
        }
        const ns = freshQueue();
        const sink = freshQueue();
        const routed = [contractEvent({ callId: `route-${ns}-a` }), contractEvent({ callId: `route-${ns}-b` })];
        await store.append(routed);
        const leases: Lease<CallEvent>[] = [];
        for (let i = 0; i < 50 && leases.length < 2; i++) {
          const claimed = await store.routing.claim(100, { leaseMs: 60_000, waitMs: 200 });
          for (const lease of claimed) {
            if (routed.some((e) => e.id === lease.id)) leases.push(lease);
            else await store.routing.retry(lease, { delayMs: 0, countsAsAttempt: false });
          }
        }
        expect(leases.map((l) => l.id).sort()).to.deep.equal(routed.map((e) => e.id).sort());
        const missed = contractEvent({ type: 'missed', callId: `route-${ns}-a` });
        const delivery = (id: string) => ({ id, payload: { sinkId: sink, pipeline: 'p', event: routed[0]! } });
        // A conflict on the second call: nothing of the batch may be written.
        await store.kv(ns).put('b', { n: 0 }, 0);
        const lost = await peer.commitRouting!({
          namespace: ns,
          calls: [
            { key: 'a', value: { n: 1 }, expectedRevision: 0, events: [missed], timers: [] },
            { key: 'b', value: { n: 1 }, expectedRevision: 0, events: [], timers: [] },
          ],
          deliveries: [{ sinkId: sink, items: [delivery('d1')] }],
          acks: leases,
        });
        expect(lost, 'conflict').to.equal(false);
        expect(await store.kv(ns).get('a'), 'no state of a lost batch').to.equal(undefined);
        expect(await store.getEvent(missed.id), 'no event of a lost batch').to.equal(undefined);
        expect(await store.deliveries(sink).depth(), 'no delivery of a lost batch').to.equal(0);
        const revisionB = (await store.kv(ns).get('b'))!.revision;
        const ok = await store.commitRouting!({
          namespace: ns,
          calls: [
            { key: 'a', value: { n: 1 }, expectedRevision: 0, events: [missed], timers: [] },
            { key: 'b', value: { n: 2 }, expectedRevision: revisionB, events: [], timers: [] },
          ],
          deliveries: [{ sinkId: sink, items: [delivery('d1'), delivery('d2')] }],
          acks: leases,
        });
        expect(ok).to.equal(true);
        expect((await peer.kv(ns).get<{ n: number }>('b'))?.value.n).to.equal(2);
        expect(await peer.getEvent(missed.id)).to.deep.include({ id: missed.id });
        expect(await peer.deliveries(sink).depth()).to.equal(2);
        // The acknowledged routing items are not handed out again.
        const again = await store.routing.claim(100, { leaseMs: 1000, waitMs: 100 });
        expect(again.map((l) => l.id)).to.not.include.members(routed.map((e) => e.id));
        for (const lease of again) await store.routing.retry(lease, { delayMs: 0, countsAsAttempt: false });
      });
    });

    describe('lifecycle', () => {
      it('keeps events, queued work, dead letters and state across close and reopen; close twice is safe', async () => {
        const sink = freshQueue();
        const e = contractEvent();
        await store.append([e]);
        await store.deliveries(sink).enqueue([{ id: 'survivor', payload: delivery(sink, e) }]);
        await store.deadLetters.add({ id: `${sink}/dl`, sinkId: sink, delivery: delivery(sink, e), reason: 'x', attempts: 1, failedAt: new Date().toISOString() });
        await store.kv('persist').put(sink, { ok: true });
        await Promise.all([store.close(), store.close()]);
        await store.close();
        expect((await peer.getEvent(e.id))?.id, 'another handle keeps working').to.equal(e.id);
        store = await factory.open();
        expect(await store.getEvent(e.id)).to.deep.equal(e);
        const [l] = await store.deliveries(sink).claim(1, { leaseMs: 1000, waitMs: 2000 });
        expect(l?.id).to.equal('survivor');
        expect(l!.payload.event).to.deep.equal(e);
        await store.deliveries(sink).ack(l!);
        expect((await store.deadLetters.get(`${sink}/dl`))?.reason).to.equal('x');
        expect((await store.kv('persist').get<{ ok: boolean }>(sink))?.value.ok).to.equal(true);
      });
    });
  });
}
