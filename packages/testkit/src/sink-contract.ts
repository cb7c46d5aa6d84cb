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

/**
 * The contract cases that need a failing destination; a harness declares those its destination
 * cannot produce in {@link SinkContractHarness.unsupported}, with the reason:
 * - `'retryable'`: the retry case, and the batch retry case (behaviour `'retryable'`);
 * - `'permanent'`: the permanent failure case (behaviour `'permanent'`);
 * - `'retryAfter'`: the Retry-After case (behaviour `{ retryAfterSec: 7 }`);
 * - `'partialBatch'`: the batch that fails part way (behaviour `{ acceptFirst: 2 }`).
 */
export type SinkContractCase = 'retryable' | 'permanent' | 'retryAfter' | 'partialBatch';

/**
 * What a sink author supplies to {@link runSinkContract}: a way to create the sink, pointed at a
 * destination that the test controls (a loopback HTTP receiver, an emulator, a temporary folder).
 * For an HTTP sink, `receiverSinkHarness` builds all of it around a `WebhookReceiver`
 * from `create` alone.
 */
export interface SinkContractHarness {
  /**
   * A new sink instance pointed at the controllable destination, created from its config as the
   * host does: `definition.create(definition.config.parse({ url }), testContext())`. Called once
   * before the suite (that instance is used by every case and closed at the end) and once more by
   * the close case: start a server lazily, not twice.
   */
  create(): Promise<Sink>;
  /**
   * Makes the destination answer the deliveries that follow the way named (see
   * {@link DestinationBehaviour}); each case starts with `'ok'`. A `WebhookReceiver`:
   * `(b) => receiver.behave(b)`.
   */
  setBehaviour(behaviour: DestinationBehaviour): void | Promise<void>;
  /**
   * How many deliveries the destination has accepted so far (rows written, requests answered 2xx);
   * the cases compare it before and after. A `WebhookReceiver`: `() => receiver.accepted.length`.
   */
  received(): number | Promise<number>;
  /**
   * Cases the destination cannot produce, each with the reason shown in the skipped test's title
   * (`(not applicable: <reason>)`), e.g. `{ retryAfter: 'a file has no Retry-After' }`. The
   * others must pass.
   */
  unsupported?: Partial<Record<SinkContractCase, string>>;
  /** The events to deliver, for a sink that only takes some (e.g. only `completed`); default {@link sampleEvent}. */
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
 * The sink contract, as a mocha `describe` named `sink contract: <name>`; each failure message
 * starts with the case's name and says what the destination did, what the sink answered and what
 * to change:
 * - **deliver**: a delivery to a working destination is `delivered` and `received()` grows by one;
 * - **retryable**: with the destination failing retryably (a `WebhookReceiver` answers 503),
 *   `deliver` asks for a retry with a reason and nothing is received; the same delivery (attempt 2)
 *   succeeds once it recovers;
 * - **permanent**: with the destination failing permanently (a `WebhookReceiver` answers 410),
 *   `deliver` is `failed` with a reason (the engine dead-letters it at once);
 * - **retry-after**: with `Retry-After: 7` (a `WebhookReceiver` answers 429), a retry with
 *   `retryAfterMs` of at least 7000;
 * - **aborted**: an attempt whose `signal` is already aborted settles as a retry within 5 s without
 *   reaching the destination (pass `signal` to `fetch`);
 * - **batch** (sinks with `deliverBatch`, else skipped): five events, one `delivered` outcome each;
 *   a retryable failure retries them all; a batch failing after two items (`{ acceptFirst: 2 }`)
 *   says `delivered` for those two and `retry` for the rest;
 * - **close**: a second instance delivers, then `close` may be called twice.
 *
 * Outcomes are normalised as the delivery engine does ({@link settleDelivery}): nothing returned is
 * `delivered`, a thrown `DELIVERY_PERMANENT` error is `failed`, any other throw is `retry`. So a sink
 * may return outcomes (`outcomeForHttpStatus(res.status, res.headers.get('retry-after'))`) or throw
 * `permanentFailure()` / `retryableFailure()`: both pass.
 *
 * @example
 * ```ts
 * runSinkContract('acme-post', receiverSinkHarness({
 *   create: (url) => post.create(post.config.parse({ url: `${url}/hook` }), testContext()),
 * }));
 * ```
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
    const show = (outcome: DeliveryOutcome): string => JSON.stringify(outcome);
    /** What to change when the case wanted `expected` and the sink settled otherwise. */
    const fix = (expected: DeliveryOutcome['status'], unsupported?: SinkContractCase): string => {
      const hint = expected === 'delivered'
        ? 'return nothing (or outcomeForHttpStatus of a 2xx) once the destination accepted the event'
        : expected === 'retry'
          ? 'return outcomeForHttpStatus(res.status, res.headers.get(\'retry-after\')) or throw retryableFailure(reason); a plain Error thrown is a retry too'
          : 'return outcomeForHttpStatus(res.status, ...) (4xx other than 408/425/429 is failed) or throw permanentFailure(reason)';
      return `${hint}${unsupported ? `; if the destination cannot fail this way, declare unsupported: { ${unsupported}: '<why>' }` : ''}`;
    };

    before(async () => { sink = await harness.create(); });
    beforeEach(async () => { await harness.setBehaviour('ok'); });
    after(async () => {
      await sink?.close?.();
      await harness.cleanup?.();
    });

    it('delivers an event, and the destination receives it once', async () => {
      const before = await harness.received();
      const outcome = await deliver(newEvent(), context());
      expect(outcome.status, `deliver case: the destination accepts ('ok') and deliver settled as ${show(outcome)}; ${fix('delivered')}`).to.equal('delivered');
      expect(await harness.received(), 'deliver case: received() must grow by exactly one per delivered event (check that it counts accepted deliveries)').to.equal(before + 1);
    });

    it('asks for a retry on a retryable failure, delivers nothing, and succeeds once the destination recovers', async function () {
      skipUnless(this, 'retryable');
      await harness.setBehaviour('retryable');
      const before = await harness.received();
      const event = newEvent();
      const first = context();
      const outcome = await deliver(event, first);
      expect(outcome.status, `retryable case: the destination fails in a way that may pass later (behaviour 'retryable'; a WebhookReceiver answers 503) and deliver settled as ${show(outcome)}; ${fix('retry', 'retryable')}`).to.equal('retry');
      expect(reasonOf(outcome), 'retryable case: the retry must name its reason (shown in logs and dead letters)').to.not.equal('');
      expect(await harness.received(), 'retryable case: nothing may reach the destination while it fails').to.equal(before);

      await harness.setBehaviour('ok');
      const again = await deliver(event, { ...first, attempt: 2 });
      expect(again.status, `retryable case: the destination recovered and the same delivery (attempt 2) settled as ${show(again)}; ${fix('delivered')}`).to.equal('delivered');
      expect(await harness.received(), 'retryable case: once recovered, the destination receives the event once').to.equal(before + 1);
    });

    it('fails permanently, with a reason, when retrying cannot help', async function () {
      skipUnless(this, 'permanent');
      await harness.setBehaviour('permanent');
      const before = await harness.received();
      const outcome = await deliver(newEvent(), context());
      expect(outcome.status, `permanent case: the destination refuses in a way retrying cannot fix (behaviour 'permanent'; a WebhookReceiver answers 410) and deliver settled as ${show(outcome)}; ${fix('failed', 'permanent')}`).to.equal('failed');
      expect(reasonOf(outcome), 'permanent case: the dead letter must name its reason').to.not.equal('');
      expect(await harness.received(), 'permanent case: nothing may reach the destination').to.equal(before);
    });

    it('honours Retry-After: the retry waits at least as long as asked', async function () {
      skipUnless(this, 'retryAfter');
      await harness.setBehaviour({ retryAfterSec: 7 });
      const outcome = await deliver(newEvent(), context());
      const what = `retry-after case: the destination refused with Retry-After: 7 (behaviour { retryAfterSec: 7 }; a WebhookReceiver answers 429) and deliver settled as ${show(outcome)}`;
      expect(outcome.status, `${what}; ${fix('retry', 'retryAfter')}`).to.equal('retry');
      expect(outcome.status === 'retry' ? outcome.retryAfterMs : undefined,
        `${what}; the retry must carry retryAfterMs >= 7000: pass the Retry-After header to outcomeForHttpStatus, or set retryAfterMs from parseRetryAfter`).to.be.at.least(7000);
    });

    it('settles an attempt whose signal is aborted as a retry, without reaching the destination', async () => {
      const controller = new AbortController();
      controller.abort(new Error('attempt timed out'));
      const before = await harness.received();
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), 5_000); });
      const outcome = await Promise.race([deliver(newEvent(), context({ signal: controller.signal })), hung]).finally(() => clearTimeout(timer));
      expect(outcome, 'aborted case: deliver was given an aborted signal and had not settled after 5 s; pass ctx.signal to every request (ctx.http(url, { signal }))').to.not.equal('hung');
      expect((outcome as DeliveryOutcome).status, `aborted case: deliver was given an aborted signal and settled as ${show(outcome as DeliveryOutcome)}; an aborted attempt (timeout, shutdown) must be a retry: let fetch's AbortError propagate, or return { status: 'retry', reason }`).to.equal('retry');
      expect(await harness.received(), 'aborted case: an aborted attempt must not reach the destination').to.equal(before);
    });

    describe('batches (sinks with deliverBatch)', () => {
      const batchOf = (events: CallEvent[], attempt = 1): BatchDelivery[] =>
        events.map((event) => ({ event, deliveryId: `contract/${name}/${++deliveries}`, attempt, pipeline: 'contract' }));
      /** As the delivery engine reads a batch: one outcome per item, a throw is the same outcome for all. */
      const deliverBatch = async (items: BatchDelivery[]): Promise<DeliveryOutcome[]> => {
        let outcomes: readonly (DeliveryOutcome | void)[];
        try {
          outcomes = await sink.deliverBatch!(items, { signal: new AbortController().signal });
        } catch (err) {
          const one = await settleDelivery(() => Promise.reject(err));
          return items.map(() => one);
        }
        expect(outcomes, `batch case: deliverBatch of ${items.length} items returned ${outcomes.length} outcomes; return one per item, in order (or throw for all)`).to.have.length(items.length);
        return outcomes.map((o) => o ?? { status: 'delivered' });
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
        expect(outcomes.map((o) => o.status), `batch case: five events to a working destination settled as ${JSON.stringify(outcomes)}; ${fix('delivered')}`)
          .to.deep.equal(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
        expect(await harness.received(), 'batch case: the destination receives each of the five once').to.equal(before + 5);
      });

      it('a retryable failure of the destination retries the batch, and nothing is lost once it recovers', async function () {
        skipUnless(this, 'retryable');
        await harness.setBehaviour('retryable');
        const before = await harness.received();
        const items = batchOf([newEvent(), newEvent(), newEvent()]);
        const outcomes = await deliverBatch(items);
        expect(outcomes.every((o) => o.status === 'retry'), `batch retryable case: the destination fails retryably and the batch settled as ${JSON.stringify(outcomes)}; every item must retry: ${fix('retry', 'retryable')}`).to.equal(true);
        await harness.setBehaviour('ok');
        const again = await deliverBatch(items.map((i) => ({ ...i, attempt: 2 })));
        expect(again.map((o) => o.status), `batch retryable case: the destination recovered and the retried batch settled as ${JSON.stringify(again)}`).to.deep.equal(['delivered', 'delivered', 'delivered']);
        expect(await harness.received(), 'batch retryable case: nothing lost, nothing twice once it recovers').to.equal(before + 3);
      });

      it('a batch that fails part way: delivered items say so, the others retry, and the retry delivers each once', async function () {
        skipUnless(this, 'partialBatch');
        const before = await harness.received();
        await harness.setBehaviour({ acceptFirst: 2 });
        const items = batchOf([newEvent(), newEvent(), newEvent(), newEvent()]);
        const outcomes = await deliverBatch(items);
        const what = `partial batch case: the destination accepted the first 2 of 4 items, then failed retryably, and the batch settled as ${JSON.stringify(outcomes)}`;
        const delivered = outcomes.filter((o) => o.status === 'delivered').length;
        expect(delivered, `${what}; the two accepted items must say delivered, or they will be sent again (declare unsupported: { partialBatch: '<why>' } if the destination takes a batch all or nothing)`).to.equal(2);
        expect(outcomes.filter((o) => o.status === 'retry'), `${what}; the rest must retry`).to.have.length(2);
        expect(await harness.received()).to.equal(before + 2);
        await harness.setBehaviour('ok');
        // The engine retries only what did not succeed.
        const retried = items.filter((_, i) => outcomes[i]!.status === 'retry').map((i) => ({ ...i, attempt: 2 }));
        const again = await deliverBatch(retried);
        expect(again.map((o) => o.status), `partial batch case: the retry of the two others settled as ${JSON.stringify(again)}`).to.deep.equal(['delivered', 'delivered']);
        expect(await harness.received(), 'partial batch case: each item received once').to.equal(before + 4);
      });
    });

    it('can be closed twice, after delivering', async () => {
      const extra = await harness.create();
      const outcome = await settleDelivery(() => extra.deliver(newEvent(), context()));
      expect(outcome.status, `close case: a second instance from create() settled its first delivery as ${show(outcome)}; create() must return a working sink each time it is called`).to.equal('delivered');
      await extra.close?.();
      await extra.close?.();
    });
  });
}
