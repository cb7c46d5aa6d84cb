import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { permanentFailure, type CallEvent, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { RuntimeMetrics, SinkWorker, deliverySchema, replayDeadLetters } from '@callrelay/core/host';
import { MemoryStore, contractEvent } from '@callrelay/testkit';

const logger = pino({ level: 'silent' });
const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function harness(sink: Sink, options: Partial<ReturnType<typeof deliverySchema.parse>> = {}) {
  const store = new MemoryStore();
  const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
  const delivery = deliverySchema.parse({ initialBackoffMs: 20, maxBackoffMs: 100, maxAttempts: 4, timeoutMs: 500, ...options });
  const worker = new SinkWorker('s', sink, store.deliveries('s'), delivery, { deadLetters: store.deadLetters, metrics, logger, now: Date.now });
  const send = (event: CallEvent = contractEvent()) => store.deliveries('s').enqueue([{ id: `p/s/${event.id}`, payload: { sinkId: 's', pipeline: 'p', event } }]);
  return { store, worker, send, metrics };
}

describe('delivery engine', () => {
  it('delivers an event to a sink that fails three times and then succeeds', async () => {
    const attempts: number[] = [];
    const { worker, send, store } = harness({
      async deliver(_e, ctx) {
        attempts.push(ctx.attempt);
        if (attempts.length <= 3) return { status: 'retry', reason: `failure ${attempts.length}` };
      },
    }, { maxAttempts: 5 });
    worker.start();
    await send();
    await until(async () => attempts.length === 4 && (await store.deliveries('s').depth()) === 0);
    await worker.stop(1000);
    expect(attempts).to.deep.equal([1, 2, 3, 4]);
    expect(await store.deadLetters.list()).to.have.length(0);
  });

  it('dead-letters after the last attempt with the reason, and a replay delivers once the sink is fixed', async () => {
    let broken = true;
    let delivered = 0;
    const { worker, send, store } = harness({
      async deliver() {
        if (broken) throw new Error('connection refused');
        delivered += 1;
      },
    }, { maxAttempts: 3 });
    worker.start();
    await send();
    await until(async () => (await store.deadLetters.list()).length === 1);
    const [letter] = await store.deadLetters.list();
    expect(letter!.reason).to.match(/connection refused \(gave up after 3 attempts\)/);
    expect(letter!.attempts).to.equal(3);
    broken = false;
    await replayDeadLetters(store, { sinkId: 's' });
    await until(() => delivered === 1);
    expect(await store.deadLetters.list()).to.have.length(0);
    await worker.stop(1000);
  });

  it('dead-letters a permanent failure at once', async () => {
    let calls = 0;
    const { worker, send, store } = harness({ async deliver() { calls += 1; throw permanentFailure('invalid_auth'); } });
    worker.start();
    await send();
    await until(async () => (await store.deadLetters.list()).length === 1);
    await worker.stop(1000);
    expect(calls).to.equal(1);
    expect((await store.deadLetters.list())[0]!.reason).to.equal('invalid_auth');
  });

  it('waits at least Retry-After, and rate limiting does not spend the attempt budget', async () => {
    const times: number[] = [];
    const outcomes: DeliveryOutcome[] = [
      { status: 'retry', reason: '429', retryAfterMs: 1200, countsAsAttempt: false },
      { status: 'retry', reason: '429', retryAfterMs: 0, countsAsAttempt: false },
      { status: 'retry', reason: '429', retryAfterMs: 0, countsAsAttempt: false },
    ];
    const { worker, send, store } = harness({
      async deliver(_e, ctx) {
        times.push(Date.now());
        expect(ctx.attempt).to.equal(1);
        return outcomes.shift() ?? { status: 'delivered' };
      },
    }, { maxAttempts: 1 });
    worker.start();
    await send();
    await until(async () => times.length === 4 && (await store.deliveries('s').depth()) === 0, 15_000);
    await worker.stop(1000);
    expect(times[1]! - times[0]!).to.be.at.least(1200);
    expect(await store.deadLetters.list()).to.have.length(0);
  });

  it('aborts an attempt that exceeds timeoutMs and retries it', async () => {
    let calls = 0;
    const { worker, send, store } = harness({
      async deliver(_e, ctx) {
        calls += 1;
        if (calls === 1) await new Promise((r) => ctx.signal.addEventListener('abort', r));
      },
    }, { timeoutMs: 100 });
    worker.start();
    await send();
    await until(async () => calls === 2 && (await store.deliveries('s').depth()) === 0);
    await worker.stop(1000);
  });

  it('keeps a slow sink to its own concurrency: other deliveries of the same sink go on in parallel', async () => {
    let inFlight = 0;
    let peak = 0;
    const { worker, send, store } = harness({
      async deliver() {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 100));
        inFlight -= 1;
      },
    }, { concurrency: 4 });
    worker.start();
    for (let i = 0; i < 8; i++) await send();
    await until(async () => (await store.deliveries('s').depth()) === 0);
    await worker.stop(1000);
    expect(peak).to.equal(4);
  });

  it('on stop, hands unfinished work back to the queue without spending an attempt', async () => {
    const { worker, send, store } = harness({ async deliver(_e, ctx) { await new Promise((r) => ctx.signal.addEventListener('abort', r)); } }, { timeoutMs: 10_000 });
    worker.start();
    await send();
    await until(async () => (await store.deliveries('s').depth()) === 1);
    await new Promise((r) => setTimeout(r, 50));
    await worker.stop(100);
    const [lease] = await store.deliveries('s').claim(1, { leaseMs: 1000, waitMs: 1000 });
    expect(lease?.attempts).to.equal(0);
  });
});
