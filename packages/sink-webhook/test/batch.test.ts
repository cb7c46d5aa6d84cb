import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { settleDelivery, type BatchDelivery, type CallEvent, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { sampleEvent, testContext } from '@callrelay/testkit';
import webhook from '@callrelay/sink-webhook';
import { VerifyingReceiver } from './receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

let deliveries = 0;
const batchOf = (events: CallEvent[]): BatchDelivery[] =>
  events.map((event) => ({ event, deliveryId: `calls/crm/batch-${++deliveries}`, attempt: 1, pipeline: 'calls' }));
const create = (config: Record<string, unknown>): Sink => webhook.create(webhook.config.parse(config), testContext()) as Sink;
const deliverBatch = async (sink: Sink, items: BatchDelivery[], signal = new AbortController().signal): Promise<DeliveryOutcome[]> => {
  const outcomes = await sink.deliverBatch!(items, { signal });
  expect(outcomes, 'one outcome per item').to.have.length(items.length);
  return outcomes.map((o) => o ?? { status: 'delivered' });
};
const reasonOf = (outcome: DeliveryOutcome): string => ('reason' in outcome ? outcome.reason : '');
const events = (n: number) => Array.from({ length: n }, () => sampleEvent());

describe('webhook sink: batches and connections (issue 11)', function () {
  this.timeout(20_000);
  const receivers: VerifyingReceiver[] = [];
  const receiver = async (secrets: string[] = [SECRET]): Promise<VerifyingReceiver> => {
    const r = await new VerifyingReceiver(secrets).start();
    receivers.push(r);
    return r;
  };
  after(async () => { for (const r of receivers) await r.stop(); });

  it('sends 40 deliveries concurrently over at most maxConnections connections, one signed message each', async () => {
    const r = await receiver();
    r.answerDelayMs = 20;
    const items = batchOf(events(40));
    const outcomes = await deliverBatch(create({ url: r.url, secret: SECRET, maxConnections: 4 }), items);
    expect(outcomes.map((o) => o.status)).to.deep.equal(items.map(() => 'delivered'));
    expect(r.verificationErrors).to.deep.equal([]);
    expect(r.accepted.map((a) => a.headers['webhook-id']).sort()).to.deep.equal(items.map((i) => i.deliveryId).sort());
    expect(r.maxInFlight, 'concurrent, and no more than maxConnections at once').to.equal(4);
    expect(r.connections, 'connections kept alive and reused').to.be.at.most(4);
  });

  it('gives each item its own outcome: one receiver response failing among delivered ones', async () => {
    const r = await receiver();
    const items = batchOf(events(6));
    const failing = items[2]!.deliveryId;
    const gone = items[4]!.deliveryId;
    r.answerFor = (request) => (request.headers['webhook-id'] === failing ? { status: 500, body: 'database locked' }
      : request.headers['webhook-id'] === gone ? { status: 410, body: 'unsubscribed' } : undefined);
    const outcomes = await deliverBatch(create({ url: r.url, secret: SECRET }), items);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['delivered', 'delivered', 'retry', 'delivered', 'failed', 'delivered']);
    expect(reasonOf(outcomes[2]!)).to.match(/answered 500: database locked$/);
    expect(reasonOf(outcomes[4]!)).to.match(/answered 410: unsubscribed$/);
    expect(r.accepted).to.have.length(4);
  });

  it('fails only the event whose template output is not JSON, sending the others', async () => {
    const r = await receiver([]);
    const items = batchOf([sampleEvent(), sampleEvent({ agent: undefined }), sampleEvent()]);
    const outcomes = await deliverBatch(create({ url: r.url, template: '{"agent": {{ event.agent.extension | json }}}' }), items);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['delivered', 'failed', 'delivered']);
    expect(r.accepted).to.have.length(2);
  });

  it('shares maxConnections between batches running at the same time', async () => {
    const r = await receiver();
    r.answerDelayMs = 10;
    const sink = create({ url: r.url, secret: SECRET, maxConnections: 3 });
    const [a, b] = await Promise.all([deliverBatch(sink, batchOf(events(15))), deliverBatch(sink, batchOf(events(15)))]);
    expect([...a!, ...b!].every((o) => o.status === 'delivered')).to.equal(true);
    expect(r.maxInFlight).to.equal(3);
    expect(r.connections).to.be.at.most(3);
  });

  it('stops sending a batch when its signal aborts: the rest is retried, unsent', async () => {
    const r = await receiver();
    r.behaviour = 'hang';
    const controller = new AbortController();
    const pending = deliverBatch(create({ url: r.url, secret: SECRET, maxConnections: 1 }), batchOf(events(3)), controller.signal);
    while (r.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('attempt timed out after 15000 ms'));
    const outcomes = await pending;
    expect(outcomes.map((o) => o.status)).to.deep.equal(['retry', 'retry', 'retry']);
    for (const outcome of outcomes) expect(reasonOf(outcome)).to.include('aborted (attempt timed out after 15000 ms)');
    expect(r.requests, 'the two waiting for a connection were never sent').to.have.length(1);
  });

  it('bug: cancelling the body of a 2xx answer closed the connection; sequential deliveries now reuse one', async () => {
    const r = await receiver();
    r.behaviour = { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ok: true, echo: 'x'.repeat(32 * 1024) }) };
    const sink = create({ url: r.url, secret: SECRET });
    for (const event of events(20)) {
      expect((await settleDelivery(() => sink.deliver(event, { deliveryId: `calls/crm/seq-${++deliveries}`, attempt: 1, pipeline: 'calls', signal: new AbortController().signal }))).status).to.equal('delivered');
    }
    expect(r.connections).to.equal(1);
  });

  it('reads a failure answer to its end too, so a retried receiver keeps its connection', async () => {
    const r = await receiver();
    r.behaviour = { status: 503, body: `overloaded ${'.'.repeat(10_000)}` };
    const sink = create({ url: r.url, secret: SECRET });
    for (const event of events(10)) {
      const outcome = await settleDelivery(() => sink.deliver(event, { deliveryId: `calls/crm/seq-${++deliveries}`, attempt: 1, pipeline: 'calls', signal: new AbortController().signal }));
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/answered 503: overloaded \.+…$/);
    }
    expect(r.connections).to.equal(1);
  });
});
