import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type CallEvent, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';

/** How the destination behind a sink should answer the next deliveries. */
export type DestinationBehaviour = 'ok' | 'retryable' | 'permanent' | { retryAfterSec: number };

/** What a sink author supplies to run {@link runSinkContract}. */
export interface SinkContractHarness {
  /** A new sink instance pointed at the controllable destination. */
  create(): Promise<Sink>;
  /** Makes the destination answer the way named (an emulator knob, a receiver's status...). */
  setBehaviour(behaviour: DestinationBehaviour): void | Promise<void>;
  /** How many deliveries the destination accepted so far. */
  received(): number | Promise<number>;
  /** Behaviours the destination cannot produce (e.g. a file has no Retry-After): skipped with the reason. */
  unsupported?: Partial<Record<'retryable' | 'permanent' | 'retryAfter', string>>;
  cleanup?(): Promise<void>;
}

let sequence = 0;
/** A realistic missed-call event (unique id per call), for sink tests. */
export function sampleEvent(overrides: Partial<CallEvent> = {}): CallEvent {
  sequence += 1;
  const at = new Date().toISOString();
  return {
    id: `sample-${Date.now()}-${sequence}`, source: 'pbx', platform: '3cx', callId: `230307142318_${sequence}`, legId: `230307142318_${sequence}-0`,
    type: 'missed', direction: 'inbound', outcome: 'no-answer',
    from: { raw: '05552221133', e164: '+15552221133', name: 'Jane Caller' }, to: { raw: '+12125550100', e164: '+12125550100' },
    agent: { raw: '101', extension: '101', kind: 'ext' },
    occurredAt: at, receivedAt: at, startedAt: at, endedAt: at, ringSeconds: 18, talkSeconds: 0,
    call: { legs: [`230307142318_${sequence}-0`], rang: ['101', '102'], transfers: 0, recordingUrls: [], eventCount: 4 },
    raw: { sample: true }, ...overrides,
  };
}

const context = (attempt = 1, signal: AbortSignal = new AbortController().signal): DeliveryContext => ({
  deliveryId: `contract/${sequence}/${Date.now()}`, attempt, pipeline: 'contract', signal,
});

/**
 * The sink contract: success is delivered and reaches the destination; a retryable failure asks
 * for a retry and delivers nothing; a permanent failure is `failed` with a reason (dead letter);
 * `Retry-After` becomes `retryAfterMs`; an aborted signal ends the attempt (no hang); `close` may be
 * called twice. Outcomes are normalised as the delivery engine does (`settleDelivery`).
 */
export function runSinkContract(name: string, harness: SinkContractHarness): void {
  describe(`sink contract: ${name}`, function () {
    this.timeout(20_000);
    let sink: Sink;
    const deliver = (event = sampleEvent(), ctx = context()): Promise<DeliveryOutcome> => settleDelivery(() => sink.deliver(event, ctx));
    before(async () => { sink = await harness.create(); });
    after(async () => { await sink?.close?.(); await harness.cleanup?.(); });
    const skipIf = (ctx: Mocha.Context, key: 'retryable' | 'permanent' | 'retryAfter') => {
      const reason = harness.unsupported?.[key];
      if (reason) { console.log(`      (skipped: ${reason})`); ctx.skip(); }
    };

    it('delivers an event and the destination receives it', async () => {
      await harness.setBehaviour('ok');
      const before = await harness.received();
      const outcome = await deliver();
      expect(outcome.status, JSON.stringify(outcome)).to.equal('delivered');
      expect(await harness.received()).to.equal(before + 1);
    });

    it('asks for a retry on a retryable failure and delivers nothing', async function () {
      skipIf(this, 'retryable');
      await harness.setBehaviour('retryable');
      const before = await harness.received();
      const outcome = await deliver();
      expect(outcome.status, JSON.stringify(outcome)).to.equal('retry');
      expect((outcome as { reason: string }).reason).to.be.a('string').and.not.equal('');
      expect(await harness.received()).to.equal(before);
      await harness.setBehaviour('ok');
    });

    it('fails permanently, with a reason, when retrying cannot help', async function () {
      skipIf(this, 'permanent');
      await harness.setBehaviour('permanent');
      const outcome = await deliver();
      expect(outcome.status, JSON.stringify(outcome)).to.equal('failed');
      expect((outcome as { reason: string }).reason).to.be.a('string').and.not.equal('');
      await harness.setBehaviour('ok');
    });

    it('honours Retry-After: the retry waits at least as long as asked', async function () {
      skipIf(this, 'retryAfter');
      await harness.setBehaviour({ retryAfterSec: 7 });
      const outcome = await deliver();
      expect(outcome.status, JSON.stringify(outcome)).to.equal('retry');
      expect((outcome as { retryAfterMs?: number }).retryAfterMs).to.be.at.least(7000);
      await harness.setBehaviour('ok');
    });

    it('ends an attempt whose signal is aborted instead of hanging', async () => {
      await harness.setBehaviour('ok');
      const controller = new AbortController();
      controller.abort(new Error('timed out'));
      const outcome = await Promise.race([
        deliver(sampleEvent(), context(1, controller.signal)),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000)),
      ]);
      expect(outcome, 'deliver must settle').to.not.equal('hung');
    });

    it('can be closed twice', async () => {
      const extra = await harness.create();
      await extra.close?.();
      await extra.close?.();
    });
  });
}
