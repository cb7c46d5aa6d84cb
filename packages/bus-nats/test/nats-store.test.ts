import { after, it } from 'mocha';
import { expect } from 'chai';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { hasErrorCode, type Delivery, type Store } from '@callrelay/core';
import { contractEvent, testContext } from '@callrelay/testkit';
import nats, { NatsStore, type NatsStoreOptions } from '../src/index.js';
import { closedPort, describeWithNats, destroyPrefix, NATS_URL, sleep, TcpRelay, uniquePrefix } from './support.js';

const delivery = (sinkId: string): Delivery => ({ sinkId, pipeline: 'p', event: contractEvent() });

describeWithNats('NatsStore on a real NATS server', function () {
  this.timeout(20_000);
  const prefixes: string[] = [];
  const opened: Store[] = [];

  /** Opens a handle on a fresh (or the given) prefix; everything is closed and deleted after the suite. */
  async function open(options: NatsStoreOptions = {}): Promise<NatsStore> {
    const prefix = options.prefix ?? uniquePrefix('s');
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    const store = await NatsStore.open({ servers: [NATS_URL], ...options, prefix });
    opened.push(store);
    return store;
  }

  after(async () => {
    await Promise.allSettled(opened.map((s) => s.close()));
    for (const prefix of prefixes) await destroyPrefix(prefix);
  });

  it('is the default export `nats` store definition, with documented defaults, and opens through create()', async () => {
    expect(nats.kind).to.equal('store');
    expect(nats.type).to.equal('nats');
    const defaults = nats.config.parse({});
    expect(defaults).to.include({ prefix: 'callrelay', replicas: 1, duplicateWindowMs: 120_000 });
    expect(defaults.servers).to.deep.equal(['nats://127.0.0.1:4222']);
    expect(nats.config.safeParse({ prefix: 'has.dot' }).success, 'a prefix with a dot').to.equal(false);
    const prefix = uniquePrefix('def');
    prefixes.push(prefix);
    const config = nats.config.parse({ servers: [NATS_URL], prefix });
    const store = await nats.create(config, testContext());
    opened.push(store);
    const e = contractEvent();
    expect(await store.append([e])).to.deep.equal({ stored: [e.id], duplicates: [] });
  });

  it('recognises a retried event after the duplicate window has passed (the log itself refuses a second copy)', async () => {
    const prefix = uniquePrefix('dw');
    const store = await open({ prefix, duplicateWindowMs: 100 });
    const peer = await open({ prefix, duplicateWindowMs: 100 });
    const e = contractEvent();
    expect((await store.append([e])).stored).to.deep.equal([e.id]);
    await sleep(400);
    expect(await peer.append([e])).to.deep.equal({ stored: [], duplicates: [e.id] });
    expect(await store.routing.depth()).to.equal(1);
  });

  it('appends a large batch in one call and routes each event once across two nodes', async () => {
    const prefix = uniquePrefix('batch');
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    const events = Array.from({ length: 300 }, () => contractEvent());
    const result = await a.append(events);
    expect(result.stored).to.deep.equal(events.map((e) => e.id));
    const seen: string[] = [];
    for (;;) {
      const [fromA, fromB] = await Promise.all([a.routing.claim(50, { leaseMs: 5000, waitMs: 0 }), b.routing.claim(50, { leaseMs: 5000, waitMs: 0 })]);
      if (!fromA.length && !fromB.length) break;
      await Promise.all([...fromA.map((l) => a.routing.ack(l)), ...fromB.map((l) => b.routing.ack(l))]);
      seen.push(...fromA.map((l) => l.id), ...fromB.map((l) => l.id));
    }
    expect(seen).to.have.length(300);
    expect(new Set(seen).size).to.equal(300);
    expect(await b.routing.depth()).to.equal(0);
  });

  it('hands the work of a node that vanished (no ack, no NAK) to another node after the ack wait', async () => {
    const prefix = uniquePrefix('crash');
    const relay = await new TcpRelay().start();
    const doomed = await open({ prefix, servers: [relay.url], ackWaitMs: 1000, requestTimeoutMs: 1000 });
    const survivor = await open({ prefix, ackWaitMs: 1000 });
    await survivor.deliveries('crm').enqueue([{ id: 'd1', payload: delivery('crm') }]);
    const [held] = await doomed.deliveries('crm').claim(1, { leaseMs: 60_000, waitMs: 2000 });
    expect(held?.id).to.equal('d1');
    await relay.cut(); // the node is gone: its long lease cannot be kept alive nor handed back
    const [taken] = await survivor.deliveries('crm').claim(1, { leaseMs: 5000, waitMs: 5000 });
    expect(taken?.id).to.equal('d1');
    expect(taken!.deliveries).to.equal(2);
    expect(taken!.attempts).to.equal(0);
    await survivor.deliveries('crm').ack(taken!);
    expect(await survivor.deliveries('crm').depth()).to.equal(0);
    await doomed.close(); // must not hang while NATS is unreachable
  });

  it('keeps a lease longer than the ack wait alive with progress signals, and extends it', async () => {
    const prefix = uniquePrefix('hb');
    const [a, b] = [await open({ prefix, ackWaitMs: 600 }), await open({ prefix, ackWaitMs: 600 })];
    await a.timers.enqueue([{ id: 't1', payload: { kind: 'k', key: 'c1' } }]);
    const [lease] = await a.timers.claim(1, { leaseMs: 1500, waitMs: 2000 });
    expect(lease).to.not.equal(undefined);
    await sleep(1000); // beyond the ack wait, within the lease
    expect(await b.timers.claim(1, { leaseMs: 1000, waitMs: 0 }), 'still leased').to.have.length(0);
    await a.timers.extend!(lease!, 1500);
    await sleep(1000); // beyond the first lease's end, within the extension
    expect(await b.timers.claim(1, { leaseMs: 1000, waitMs: 0 }), 'extended').to.have.length(0);
    await a.timers.ack(lease!);
    expect(await b.timers.depth()).to.equal(0);
  });

  it('counts attempts across nodes and forgets the count once the item is acknowledged', async () => {
    const prefix = uniquePrefix('att');
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    const qa = a.deliveries('hub');
    const qb = b.deliveries('hub');
    await qa.enqueue([{ id: 'x', payload: delivery('hub') }]);
    let [l] = await qa.claim(1, { leaseMs: 5000, waitMs: 2000 });
    await qa.retry(l!, { delayMs: 0 });
    [l] = await qb.claim(1, { leaseMs: 5000, waitMs: 2000 });
    expect([l?.attempts, l?.deliveries]).to.deep.equal([1, 2]);
    await qb.retry(l!, { delayMs: 0, countsAsAttempt: false, reason: '429' });
    [l] = await qa.claim(1, { leaseMs: 5000, waitMs: 2000 });
    expect([l?.attempts, l?.deliveries]).to.deep.equal([1, 3]);
    await qa.retry(l!, { delayMs: 0 });
    [l] = await qb.claim(1, { leaseMs: 5000, waitMs: 2000 });
    expect(l?.attempts).to.equal(2);
    await qb.ack(l!);
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(b.layout.attemptsStream)).state.messages, 'attempt records left').to.equal(0);
    } finally {
      await nc.close();
    }
  });

  it('acknowledges a batch with one confirmed round trip: acked items are gone at once, a lease that ended here is left out, attempt counts are cleared', async () => {
    const prefix = uniquePrefix('ackm');
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    const qa = a.deliveries('csv');
    await qa.enqueue(['r', ...Array.from({ length: 40 }, (_, i) => `d${i}`)].map((id) => ({ id, payload: delivery('csv') })));
    // 'r' carries a counted attempt, so its ack must also remove its attempt record.
    let [r] = await qa.claim(1, { leaseMs: 5000, waitMs: 2000 });
    expect(r?.id).to.equal('r');
    await qa.retry(r!, { delayMs: 0 });
    const leases = [];
    for (let i = 0; i < 20 && leases.length < 41; i++) leases.push(...await qa.claim(100, { leaseMs: 5000, waitMs: 500 }));
    expect(leases.map((l) => l.id).sort()).to.deep.equal(['r', ...Array.from({ length: 40 }, (_, i) => `d${i}`)].sort());
    expect(leases.find((l) => l.id === 'r')?.attempts).to.equal(1);
    const [short] = await qa.claim(1, { leaseMs: 5000, waitMs: 0 }); // nothing left to claim
    expect(short).to.equal(undefined);
    // One lease ends here before the batch is acknowledged: its late ack must not count.
    const stale = leases.find((l) => l.id === 'd7')!;
    await qa.retry(stale, { delayMs: 0, countsAsAttempt: false });
    await qa.ackMany!(leases);
    // Straight after ackMany resolves, another node sees only the item whose lease had ended.
    const again = await b.deliveries('csv').claim(100, { leaseMs: 5000, waitMs: 500 });
    expect(again.map((l) => l.id)).to.deep.equal(['d7']);
    await b.deliveries('csv').ack(again[0]!);
    expect(await b.deliveries('csv').depth()).to.equal(0);
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      expect((await jsm.streams.info(b.layout.attemptsStream)).state.messages, 'attempt records left').to.equal(0);
    } finally {
      await nc.close();
    }
  });

  it('reads many keys in one getMany: present keys with their revisions, missing, expired and deleted keys absent', async () => {
    const store = await open();
    const kv = store.kv('calls');
    const r1 = await kv.put('one', { n: 1 }, 0) as number;
    const r2 = await kv.put('two.with.dots', { n: 2 }, 0) as number;
    await kv.put('expired', { n: 3 }, 0, { ttlMs: 1 });
    await kv.put('deleted', { n: 4 }, 0);
    await kv.delete('deleted');
    await sleep(5);
    const got = await kv.getMany!<{ n: number }>(['one', 'missing', 'two.with.dots', 'expired', 'deleted']);
    expect([...got.keys()].sort()).to.deep.equal(['one', 'two.with.dots']);
    expect(got.get('one')).to.deep.equal({ value: { n: 1 }, revision: r1 });
    expect(got.get('two.with.dots')).to.deep.equal({ value: { n: 2 }, revision: r2 });
    expect(await store.kv('other').getMany!(['one'])).to.have.property('size', 0);
  });

  it('fails a write whose answer never comes within requestTimeoutMs, and writes again once answers flow', async () => {
    const relay = await new TcpRelay().start();
    const store = await open({ servers: [relay.url], requestTimeoutMs: 500 });
    const before = contractEvent();
    expect((await store.append([before])).stored).to.deep.equal([before.id]);
    relay.mute();
    const started = Date.now();
    const [append, put] = await Promise.all([
      store.append([contractEvent()]).then(() => undefined, (err: unknown) => err),
      store.kv('calls').put('k', { n: 1 }, 0).then(() => undefined, (err: unknown) => err),
    ]);
    expect(hasErrorCode(append, 'STORE_UNAVAILABLE'), String(append)).to.equal(true);
    expect(String(put)).to.match(/no answer from NATS within 500 ms/);
    expect(Date.now() - started, 'rejected by the timeout, not by a disconnect').to.be.below(5000);
    relay.unmute();
    const after = contractEvent();
    expect((await store.append([after])).stored).to.deep.equal([after.id]);
    await relay.cut();
  });

  it('does not strand an item behind a claim that was aborted while waiting', async () => {
    const prefix = uniquePrefix('abort');
    // An ack wait far beyond the test's timeout: only an immediate hand-back lets the peer have it.
    const [a, b] = [await open({ prefix, ackWaitMs: 60_000 }), await open({ prefix, ackWaitMs: 60_000 })];
    const controller = new AbortController();
    const waiting = a.deliveries('s').claim(1, { leaseMs: 5000, waitMs: 10_000, signal: controller.signal });
    await sleep(100);
    controller.abort();
    expect(await waiting).to.have.length(0);
    await b.deliveries('s').enqueue([{ id: 'late', payload: delivery('s') }]);
    const [got] = await b.deliveries('s').claim(1, { leaseMs: 5000, waitMs: 5000 });
    expect(got?.id).to.equal('late');
    await b.deliveries('s').ack(got!);
  });

  it('hands held leases back on close, so another node takes them at once', async () => {
    const prefix = uniquePrefix('close');
    const [a, b] = [await open({ prefix, ackWaitMs: 60_000 }), await open({ prefix, ackWaitMs: 60_000 })];
    await a.deliveries('s').enqueue([{ id: 'h', payload: delivery('s') }]);
    expect(await a.deliveries('s').claim(1, { leaseMs: 30_000, waitMs: 2000 })).to.have.length(1);
    await a.close();
    const [got] = await b.deliveries('s').claim(1, { leaseMs: 5000, waitMs: 5000 });
    expect(got?.id).to.equal('h');
    await b.deliveries('s').ack(got!);
  });

  it('accepts any string as sink id, dead-letter id, namespace and key', async () => {
    const prefix = uniquePrefix('keys');
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    const odd = ['sink.with.dots', 'a b:c/d*>', 'émoji ☎', ''];
    for (const [i, s] of odd.entries()) {
      await a.deliveries(s).enqueue([{ id: `${s}#${i}`, payload: delivery(s) }]);
      const [l] = await b.deliveries(s).claim(1, { leaseMs: 5000, waitMs: 2000 });
      expect(l?.id).to.equal(`${s}#${i}`);
      await b.deliveries(s).ack(l!);
      await a.deadLetters.add({ id: `${s}/dl`, sinkId: s, delivery: delivery(s), reason: 'r', attempts: 1, failedAt: new Date().toISOString() });
    }
    expect((await b.deadLetters.list({ sinkId: 'sink.with.dots' })).map((d) => d.id)).to.deep.equal(['sink.with.dots/dl']);
    expect((await b.deadLetters.get('a b:c/d*>/dl'))?.sinkId).to.equal('a b:c/d*>');
    expect(await b.deadLetters.list()).to.have.length(4);
    await b.deadLetters.remove('émoji ☎/dl');
    expect(await a.deadLetters.get('émoji ☎/dl')).to.equal(undefined);
    // `a.b` + `c` and `a` + `b.c` must not meet.
    expect(await a.kv('a.b').put('c', 1, 0)).to.be.a('number');
    expect(await b.kv('a').put('b.c', 2, 0)).to.be.a('number');
    expect((await b.kv('a.b').get('c'))?.value).to.equal(1);
    expect((await a.kv('a').get('b.c'))?.value).to.equal(2);
    expect(await a.kv('source:x').put('call: 1 ☎', { ok: true })).to.be.a('number');
    expect((await b.kv('source:x').get('call: 1 ☎'))?.value).to.deep.equal({ ok: true });
    await b.kv('source:x').delete('call: 1 ☎');
    expect(await a.kv('source:x').put('call: 1 ☎', { again: true }, 0), 'create after delete').to.be.a('number');
  });

  it('lets exactly one of two nodes win a race to create the same call state', async () => {
    const prefix = uniquePrefix('cas');
    const [a, b] = [await open({ prefix }), await open({ prefix })];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).kv('calls').put('c-1', { by: i }, 0)));
    expect(results.filter((r) => r !== false)).to.have.length(1);
  });

  it('rejects append (never hangs) while NATS is unreachable, and accepts again after it is back, without reopening', async () => {
    const prefix = uniquePrefix('down');
    const relay = await new TcpRelay().start();
    const store = await open({ prefix, servers: [relay.url], requestTimeoutMs: 1000 });
    const before = contractEvent();
    expect((await store.append([before])).stored).to.deep.equal([before.id]);
    await relay.cut();
    const during = contractEvent();
    const failure = await store.append([during]).then(() => undefined, (err: unknown) => err);
    expect(hasErrorCode(failure, 'STORE_UNAVAILABLE'), String(failure)).to.equal(true);
    await relay.restore();
    let result;
    for (let i = 0; i < 100 && !result; i++) {
      result = await store.append([during]).catch(() => undefined);
      if (!result) await sleep(100);
    }
    expect(result, 'append after reconnect').to.not.equal(undefined);
    expect([...result!.stored, ...result!.duplicates]).to.deep.equal([during.id]);
    expect((await store.getEvent(during.id))?.id).to.equal(during.id);
    await relay.cut();
  });

  it('fails to open, with STORE_UNAVAILABLE, when nothing listens at the address', async () => {
    const port = await closedPort();
    const failure = await NatsStore.open({ servers: [`nats://127.0.0.1:${port}`], connectTimeoutMs: 1000 }).then(() => undefined, (err: unknown) => err);
    expect(hasErrorCode(failure, 'STORE_UNAVAILABLE'), String(failure)).to.equal(true);
  });
});
