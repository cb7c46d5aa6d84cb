import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { type Delivery, type Store, type WorkQueue } from '@callrelay/core';
import { DigestWorker, createLogger, digestQueueName, type HeldDelivery } from '@callrelay/core/host';
import { SqliteStore } from '@callrelay/store-sqlite';
import { NatsStore } from '@callrelay/bus-nats';
import { eventually } from '../support/callrelay-process.js';
import { FakeClock, missedCall, tempDb } from './in-process.js';
import { NATS_URL, describeWithNats, destroyPrefix, uniquePrefix } from '../support/nats.js';

/**
 * A digest is queued to the sink before its held calls are acknowledged. A crash between the two
 * (here: the worker failing right after the enqueue) hands the calls out again; the rebuilt digest
 * has the same id, which the sink's queue already holds: one digest, not two. On both stores.
 */
function digestCrashCase(open: () => Promise<Store>): void {
  const stores: Store[] = [];
  after(async () => { for (const store of stores) await store.close(); });

  it('delivers one digest with every held call', async () => {
    const store = await open();
    stores.push(store);
    const held = store.deliveries(digestQueueName('night', 'support')) as unknown as WorkQueue<HeldDelivery>;
    const opening = '2026-03-03T07:30:00.000Z';
    await held.enqueue(['a', 'b', 'c'].map((id, i) => ({
      id: `night/support/missed-${id}`,
      payload: { sinkId: 'support', pipeline: 'night', calendar: 'office', heldUntil: opening, event: missedCall(id, `2026-03-02T2${i}:00:00Z`, { e164: `+493011111${i}` }, '+4930999000') },
    })));
    const clock = new FakeClock(Date.parse('2026-03-03T07:31:00Z'));
    let crashes = 0;
    const options = { now: clock.now, logger: createLogger({ level: 'silent' }), leaseMs: 300, recheckMs: 20, settleMs: 50 };
    const crashing = new DigestWorker(store, [{ pipeline: 'night', sinkId: 'support' }], {
      ...options, afterWrite: (point) => { if (point === 'digest:enqueue' && crashes++ === 0) throw new Error('crash after the enqueue'); },
    });
    crashing.start();
    await eventually(() => (crashes > 0 ? true : undefined), 10_000, 'the crash');
    await crashing.stop(0);
    // The calls were not acknowledged: still held (leased until the lease runs out).
    expect(await held.depth()).to.equal(3);
    const restarted = new DigestWorker(store, [{ pipeline: 'night', sinkId: 'support' }], options);
    restarted.start();
    await eventually(async () => ((await held.depth()) === 0 ? true : undefined), 10_000, 'the held calls acknowledged');
    await restarted.stop(0);
    const sink = store.deliveries('support');
    expect(await sink.depth()).to.equal(1);
    const [lease] = await sink.claim(10, { leaseMs: 1000, waitMs: 0 });
    const delivery: Delivery = lease!.payload;
    expect(delivery.event.digest?.count).to.equal(3);
    expect(delivery.event.digest?.events.map((e) => e.callId)).to.deep.equal(['a', 'b', 'c']);
    expect(lease!.id).to.match(/^night\/support\/digest\/2026-03-03T07:30:00.000Z\//);
  });
}

describe('digests: a crash between queuing the digest and acknowledging its calls (SQLite)', function () {
  this.timeout(30_000);
  digestCrashCase(() => SqliteStore.open({ path: tempDb('digest-crash'), pollIntervalMs: 20 }));
});

describeWithNats('digests: a crash between queuing the digest and acknowledging its calls (NATS)', function () {
  this.timeout(30_000);
  const prefix = uniquePrefix('digest');
  digestCrashCase(() => NatsStore.open({ servers: [NATS_URL], prefix }));
  // After the case's own hook has closed the store.
  after(() => destroyPrefix(prefix));
});
