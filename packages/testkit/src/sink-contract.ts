import { describe, it, before, beforeEach, after } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type BatchDelivery, type CallEvent, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';

/**
 * How the destination behind a sink answers the deliveries that follow, until changed:
 * - `'ok'`: accepts them;
 * - `'retryable'`: fails in a way that may pass later (an HTTP 503, a folder that is not writable);
 * - `'permanent'`: fails in a way that retrying cannot fix (an HTTP 410, an unknown Slack channel);
 * - `{ retryAfterSec }`: refuses for now and says when to come back (HTTP 429 or 503 with
 *   `Retry-After: <retryAfterSec>`);
 * - `{ acceptFirst: n }`: accepts the next `n` deliveries, then fails retryably (a batch that
 *   fails part way). Only used for sinks with `deliverBatch`, unless `partialBatch` is unsupported.
 */
export type DestinationBehaviour = 'ok' | 'retryable' | 'permanent' | { retryAfterSec: number } | { acceptFirst: number };

/** The contract cases that need a failing destination; a harness may declare them not applicable. */
export type SinkContractCase = 'retryable' | 'permanent' | 'retryAfter' | 'partialBatch';

/**
 * What a sink author supplies to {@link runSinkContract}: a way to create the sink, pointed at a
 * destination that the test controls (a loopback HTTP receiver, an emulator, a temporary folder).
 */
export interface SinkContractHarness {
  /**
   * A new sink instance pointed at the controllable destination. Called once before the suite
   * (that instance is used by every case and closed at the end) and once more by the close case.
   */
  create(): Promise<Sink>;
  /** Makes the destination answer the deliveries that follow the way named. Each case starts with `'ok'`. */
  setBehaviour(behaviour: DestinationBehaviour): void | Promise<void>;
  /** How many deliveries the destination has accepted so far (rows written, requests answered 2xx). */
  received(): number | Promise<number>;
  /**
   * Cases the destination cannot produce, each with the reason printed when it is skipped (a file
   * has no `Retry-After`; a CSV file never fails permanently). The others must pass.
   */
  unsupported?: Partial<Record<SinkContractCase, string>>;
  /** The events to deliver, for a sink that only takes some; default {@link sampleEvent}. */
  event?(): CallEvent;
  /** Called after the suite: stop servers, remove folders. */
  cleanup?(): Promise<void>;
}

let sequence = 0;

/**
 * A realistic `missed` call event as the call tracker emits it (unique `id` and `callId` per call,
 * ended now after 18 s of ringing two extensions), for sink tests. `overrides` replace top-level
 * fields.
 */
export function sampleEvent(overrides: Partial<CallEvent> = {}): CallEvent {
  sequence += 1;
  const ended = Date.now();
  const endedAt = new Date(ended).toISOString();
  const startedAt = new Date(ended - 18_000).toISOString();
  const callId = `230307142318_${sequence}`;
  return {
    id: `sample-${ended.toString(36)}-${sequence}`,
    source: 'pbx',
    platform: '3cx',
    callId,
    type: 'missed',
    direction: 'inbound',
    from: { raw: '(212) 555-1212', e164: '+12125551212', name: 'Jane Caller' },
    to: { raw: '+14155550100', e164: '+14155550100' },
    agent: { raw: '102', extension: '102', kind: 'ext', name: 'Front desk' },
    outcome: 'no-answer',
    occurredAt: endedAt,
    receivedAt: endedAt,
    startedAt,
    endedAt,
    ringSeconds: 18,
    talkSeconds: 0,
    call: { legs: [`${callId}-0`, `${callId}-1`], rang: ['101', '102'], transfers: 0, recordingUrls: [], eventCount: 5 },
    raw: null,
    ...overrides,
  };
}

/**
 * The sink contract, as a mocha `describe` named after the sink:
 * - a delivery to a working destination is `delivered` and the destination receives it once;
 * - a retryable failure asks for a retry, with a reason, delivers nothing, and the same delivery
 *   succeeds once the destination recovers;
 * - a permanent failure is `failed` with a reason (the engine dead-letters it at once);
 * - `Retry-After` becomes a retry with `retryAfterMs` at least as long as asked;
 * - an attempt whose `signal` is already aborted settles as a retry without reaching the destination;
 * - `close` may be called twice.
 *
 * Outcomes are normalised as the delivery engine does ({@link settleDelivery}): nothing returned is
 * `delivered`, a thrown `DELIVERY_PERMANENT` error is `failed`, any other throw is `retry`. So a sink
 * may return outcomes or throw `permanentFailure()` / `retryableFailure()`: both pass.
 */
export function runSinkContract(name: string, harness: SinkContractHarness): void {
  describe(`sink contract: ${name}`, function () {
    this.timeout(20_000);
    let sink: Sink;
    let deliveries = 0;
    const newEvent = (): CallEvent => harness.event?.() ?? sampleEvent();
    const context = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
      deliveryId: `contract/${name}/${++deliveries}`, attempt: 1, pipeline: 'contract', signal: new AbortController().signal, ...overrides,
    });
    const deliver = (event: CallEvent, ctx: DeliveryContext): Promise<DeliveryOutcome> => settleDelivery(() => sink.deliver(event, ctx));
    const skipUnless = (test: Mocha.Context, key: SinkContractCase): void => {
      const reason = harness.unsupported?.[key];
      if (reason !== undefined) {
        test.test!.title += ` (not applicable: ${reason})`;
        test.skip();
      }
    };
    const reasonOf = (outcome: DeliveryOutcome): string => ('reason' in outcome ? outcome.reason : '');

    before(async () => { sink = await harness.create(); });
    beforeEach(async () => { await harness.setBehaviour('ok'); });
    after(async () => {
      await sink?.close?.();
      await harness.cleanup?.();
    });

    it('delivers an event, and the destination receives it once', async () => {
      const before = await harness.received();
      const outcome = await deliver(newEvent(), context());
      expect(outcome.status, JSON.stringify(outcome)).to.equal('delivered');
      expect(await harness.received()).to.equal(before + 1);
    });

    it('asks for a retry on a retryable failure, delivers nothing, and succeeds once the destination recovers', async function () {
      skipUnless(this, 'retryable');
      await harness.setBehaviour('retryable');
      const before = await harness.received();
      const event = newEvent();
      const first = context();
      const outcome = await deliver(event, first);
      expect(outcome.status, JSON.stringify(outcome)).to.equal('retry');
      expect(reasonOf(outcome), 'the retry names its reason').to.not.equal('');
      expect(await harness.received(), 'nothing reached the destination').to.equal(before);

      await harness.setBehaviour('ok');
      const again = await deliver(event, { ...first, attempt: 2 });
      expect(again.status, JSON.stringify(again)).to.equal('delivered');
      expect(await harness.received()).to.equal(before + 1);
    });

    it('fails permanently, with a reason, when retrying cannot help', async function () {
      skipUnless(this, 'permanent');
      await harness.setBehaviour('permanent');
      const before = await harness.received();
      const outcome = await deliver(newEvent(), context());
      expect(outcome.status, JSON.stringify(outcome)).to.equal('failed');
      expect(reasonOf(outcome), 'the dead letter names its reason').to.not.equal('');
      expect(await harness.received()).to.equal(before);
    });

    it('honours Retry-After: the retry waits at least as long as asked', async function () {
      skipUnless(this, 'retryAfter');
      await harness.setBehaviour({ retryAfterSec: 7 });
      const outcome = await deliver(newEvent(), context());
      expect(outcome.status, JSON.stringify(outcome)).to.equal('retry');
      expect(outcome.status === 'retry' ? outcome.retryAfterMs : undefined, JSON.stringify(outcome)).to.be.at.least(7000);
    });

    it('settles an attempt whose signal is aborted as a retry, without reaching the destination', async () => {
      const controller = new AbortController();
      controller.abort(new Error('attempt timed out'));
      const before = await harness.received();
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), 5_000); });
      const outcome = await Promise.race([deliver(newEvent(), context({ signal: controller.signal })), hung]).finally(() => clearTimeout(timer));
      expect(outcome, 'deliver must settle when its signal is aborted').to.not.equal('hung');
      expect((outcome as DeliveryOutcome).status, JSON.stringify(outcome)).to.equal('retry');
      expect(await harness.received()).to.equal(before);
    });

    describe('batches (sinks with deliverBatch)', () => {
      const batchOf = (events: CallEvent[], attempt = 1): BatchDelivery[] =>
        events.map((event) => ({ event, deliveryId: `contract/${name}/${++deliveries}`, attempt, pipeline: 'contract' }));
      /** As the delivery engine reads a batch: one outcome per item, a throw is the same outcome for all. */
      const deliverBatch = async (items: BatchDelivery[]): Promise<DeliveryOutcome[]> => {
        try {
          const outcomes = await sink.deliverBatch!(items, { signal: new AbortController().signal });
          expect(outcomes, 'one outcome per item').to.have.length(items.length);
          return outcomes.map((o) => o ?? { status: 'delivered' });
        } catch (err) {
          const one = await settleDelivery(() => Promise.reject(err));
          return items.map(() => one);
        }
      };
      beforeEach(function () {
        if (!sink.deliverBatch) {
          // currentTest: in a hook, `this.test` is the hook itself.
          this.currentTest!.title += ' (not applicable: the sink delivers one event at a time)';
          this.skip();
        }
      });

      it('delivers a batch: one outcome per item, each received once', async () => {
        const before = await harness.received();
        const outcomes = await deliverBatch(batchOf([newEvent(), newEvent(), newEvent(), newEvent(), newEvent()]));
        expect(outcomes.map((o) => o.status)).to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
        expect(await harness.received()).to.equal(before + 5);
      });

      it('a retryable failure of the destination retries the batch, and nothing is lost once it recovers', async function () {
        skipUnless(this, 'retryable');
        await harness.setBehaviour('retryable');
        const before = await harness.received();
        const items = batchOf([newEvent(), newEvent(), newEvent()]);
        const outcomes = await deliverBatch(items);
        expect(outcomes.every((o) => o.status === 'retry'), JSON.stringify(outcomes)).to.equal(true);
        await harness.setBehaviour('ok');
        const again = await deliverBatch(items.map((i) => ({ ...i, attempt: 2 })));
        expect(again.map((o) => o.status)).to.deep.equal(['delivered', 'delivered', 'delivered']);
        expect(await harness.received()).to.equal(before + 3);
      });

      it('a batch that fails part way: delivered items say so, the others retry, and the retry delivers each once', async function () {
        skipUnless(this, 'partialBatch');
        const before = await harness.received();
        await harness.setBehaviour({ acceptFirst: 2 });
        const items = batchOf([newEvent(), newEvent(), newEvent(), newEvent()]);
        const outcomes = await deliverBatch(items);
        const delivered = outcomes.filter((o) => o.status === 'delivered').length;
        expect(delivered, JSON.stringify(outcomes)).to.equal(2);
        expect(outcomes.filter((o) => o.status === 'retry'), 'the rest retry').to.have.length(2);
        expect(await harness.received()).to.equal(before + 2);
        await harness.setBehaviour('ok');
        // The engine retries only what did not succeed.
        const retried = items.filter((_, i) => outcomes[i]!.status === 'retry').map((i) => ({ ...i, attempt: 2 }));
        const again = await deliverBatch(retried);
        expect(again.map((o) => o.status)).to.deep.equal(['delivered', 'delivered']);
        expect(await harness.received(), 'each item received once').to.equal(before + 4);
      });
    });

    it('can be closed twice, after delivering', async () => {
      const extra = await harness.create();
      expect((await settleDelivery(() => extra.deliver(newEvent(), context()))).status).to.equal('delivered');
      await extra.close?.();
      await extra.close?.();
    });
  });
}
