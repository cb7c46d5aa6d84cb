import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { settleDelivery, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { runSinkContract, sampleEvent, testContext } from '@callrelay/testkit';
import webhook from '@callrelay/sink-webhook';
import { VerifyingReceiver, type CannedAnswer } from './receiver.js';

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const OTHER = 'whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCE=';

let deliveries = 0;
const delivery = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
  deliveryId: `calls/crm/${++deliveries}`, attempt: 1, pipeline: 'calls', signal: new AbortController().signal, ...overrides,
});
const create = (config: Record<string, unknown>, context: Partial<ConnectorContext> = {}): Promise<Sink> =>
  Promise.resolve(webhook.create(webhook.config.parse(config), testContext(context)));
const send = (sink: Sink, event = sampleEvent(), ctx = delivery()): Promise<DeliveryOutcome> => settleDelivery(() => sink.deliver(event, ctx));
const reasonOf = (outcome: DeliveryOutcome): string => ('reason' in outcome ? outcome.reason : '');

describe('webhook sink', () => {
  const receivers: VerifyingReceiver[] = [];
  const receiver = async (secrets: string[] = []): Promise<VerifyingReceiver> => {
    const r = await new VerifyingReceiver(secrets).start();
    receivers.push(r);
    return r;
  };
  after(async () => { for (const r of receivers) await r.stop(); });

  describe('signing (Standard Webhooks)', () => {
    it('signs so that the standardwebhooks library verifies it, with a webhook-id stable across retries', async () => {
      const r = await receiver([OLD]);
      const sink = await create({ url: r.url, secret: OLD });
      const event = sampleEvent();
      expect((await send(sink, event, delivery({ deliveryId: 'calls/crm/stable' }))).status).to.equal('delivered');
      expect((await send(sink, event, delivery({ deliveryId: 'calls/crm/stable', attempt: 2 }))).status).to.equal('delivered');
      expect(r.verificationErrors).to.deep.equal([]);
      expect(r.accepted.map((a) => a.headers['webhook-id'])).to.deep.equal(['calls/crm/stable', 'calls/crm/stable']);
      expect(r.accepted[0]!.headers['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/]+=*$/);
    });

    it('posts the canonical event as JSON, timestamped by the injected clock', async () => {
      const r = await receiver([OLD]);
      const sentAt = Date.now() - 90_000; // in the receiver's 5-minute tolerance, but not "now"
      const sink = await create({ url: r.url, secret: OLD }, { clock: { now: () => sentAt } });
      const event = sampleEvent({ details: { mos: 4.2, note: 'ünïcode, "quotes"' } });
      await send(sink, event);
      expect(r.verificationErrors).to.deep.equal([]);
      const [request] = r.accepted;
      expect(request!.method).to.equal('POST');
      expect(request!.path).to.equal('/in');
      expect(request!.headers['content-type']).to.equal('application/json');
      expect(request!.headers['webhook-timestamp']).to.equal(String(Math.floor(sentAt / 1000)));
      expect(JSON.parse(request!.body)).to.deep.equal(event);
    });

    it('carries one signature per secret during rotation: receivers knowing only the old or only the new secret verify', async () => {
      const knowsOld = await receiver([OLD]);
      const knowsNew = await receiver([NEW]);
      for (const r of [knowsOld, knowsNew]) {
        const sink = await create({ url: r.url, secret: [NEW, OLD] });
        expect((await send(sink)).status).to.equal('delivered');
        expect(r.verificationErrors).to.deep.equal([]);
        expect(String(r.accepted[0]!.headers['webhook-signature']).split(' ')).to.have.length(2);
      }
    });

    it('is refused by a receiver that knows none of the secrets (401 → dead letter)', async () => {
      const r = await receiver([OTHER]);
      const sink = await create({ url: r.url, secret: [NEW, OLD] });
      const outcome = await send(sink);
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/401: invalid signature/);
      expect(r.verificationErrors).to.have.length(1);
    });

    it('sends webhook-id and webhook-timestamp but no signature when no secret is configured', async () => {
      const r = await receiver();
      const sink = await create({ url: r.url });
      await send(sink, sampleEvent(), delivery({ deliveryId: 'calls/crm/unsigned' }));
      expect(r.accepted[0]!.headers['webhook-id']).to.equal('calls/crm/unsigned');
      expect(r.accepted[0]!.headers['webhook-timestamp']).to.match(/^\d+$/);
      expect(r.accepted[0]!.headers).to.not.have.property('webhook-signature');
    });
  });

  describe('answers', () => {
    const cases: [CannedAnswer, DeliveryOutcome['status']][] = [
      [{ status: 200 }, 'delivered'], [{ status: 201, body: '{"ok":true}' }, 'delivered'], [{ status: 204 }, 'delivered'],
      [{ status: 408 }, 'retry'], [{ status: 500 }, 'retry'], [{ status: 502 }, 'retry'], [{ status: 503 }, 'retry'],
      [{ status: 400 }, 'failed'], [{ status: 401 }, 'failed'], [{ status: 404 }, 'failed'], [{ status: 410 }, 'failed'], [{ status: 422 }, 'failed'],
    ];
    for (const [answer, expected] of cases) {
      it(`${answer.status} → ${expected}`, async () => {
        const r = await receiver();
        r.behaviour = { ...answer, body: answer.body ?? `answer ${answer.status}` };
        const outcome = await send(await create({ url: r.url }));
        expect(outcome.status, JSON.stringify(outcome)).to.equal(expected);
        if (expected !== 'delivered') expect(reasonOf(outcome), 'the reason names the status and what the receiver said').to.include(`${answer.status}: answer ${answer.status}`);
      });
    }

    it('reports a permanent failure with a short excerpt of a long body, whitespace collapsed', async () => {
      const r = await receiver();
      r.behaviour = { status: 422, body: `{\n  "error": "unknown field",\n  "trace": "${'x'.repeat(10_000)}"\n}` };
      const outcome = await send(await create({ url: r.url }));
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^127\.0\.0\.1:\d+ answered 422: \{ "error": "unknown field", "trace": "x+…$/);
      expect(reasonOf(outcome).length).to.be.below(300);
    });

    it('retries 429 after Retry-After without spending an attempt, and 503 after its Retry-After', async () => {
      const r = await receiver();
      const sink = await create({ url: r.url });
      r.behaviour = { status: 429, headers: { 'retry-after': '30' } };
      expect(await send(sink)).to.deep.include({ status: 'retry', retryAfterMs: 30_000, countsAsAttempt: false });
      r.behaviour = { status: 503, headers: { 'retry-after': '120' } };
      const unavailable = await send(sink);
      expect(unavailable).to.deep.include({ status: 'retry', retryAfterMs: 120_000 });
      expect(unavailable).to.not.have.property('countsAsAttempt');
    });

    it('does not follow a redirect: the signed body goes only where configured (dead letter)', async () => {
      const elsewhere = await receiver();
      const r = await receiver();
      r.behaviour = { status: 307, headers: { location: elsewhere.url } };
      const outcome = await send(await create({ url: r.url }));
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/307/);
      expect(elsewhere.requests).to.have.length(0);
    });

    it('retries when nothing listens at the URL, naming the network error', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      const outcome = await send(await create({ url: `http://127.0.0.1:${port}/in` }));
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/^posting to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    });

    it('ends a request to a receiver that never answers when the delivery signal aborts (timeout → retry)', async () => {
      const r = await receiver();
      r.behaviour = 'hang';
      const controller = new AbortController();
      const pending = send(await create({ url: r.url }), sampleEvent(), delivery({ signal: controller.signal }));
      while (r.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(new Error('attempt timed out after 10000 ms'));
      const outcome = await pending;
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.include('aborted (attempt timed out after 10000 ms)');
    });
  });

  describe('headers and templates', () => {
    it('sends custom headers next to the signing headers', async () => {
      const r = await receiver([OLD]);
      const sink = await create({ url: r.url, secret: OLD, headers: { 'X-Api-Key': 'k1', 'User-Agent': 'acme-relay' } });
      await send(sink);
      expect(r.verificationErrors).to.deep.equal([]);
      expect(r.accepted[0]!.headers['x-api-key']).to.equal('k1');
      expect(r.accepted[0]!.headers['user-agent']).to.equal('acme-relay');
    });

    it('renders a text template with its content type, and signs the rendered body', async () => {
      const r = await receiver([OLD]);
      const sink = await create({
        url: r.url, secret: OLD, contentType: 'text/plain; charset=utf-8',
        template: 'Missed call from {{ from.name }} ({{ from.e164 }}), rang {{ call.rang | join: ", " }}',
      });
      await send(sink);
      expect(r.verificationErrors).to.deep.equal([]);
      expect(r.accepted[0]!.body).to.equal('Missed call from Jane Caller (+12125551212), rang 101, 102');
      expect(r.accepted[0]!.headers['content-type']).to.equal('text/plain; charset=utf-8');
    });

    it('renders a JSON template with values escaped by the json filter', async () => {
      const r = await receiver();
      const sink = await create({ url: r.url, template: '{"caller": {{ event.from.name | json }}, "agent": {{ event.agent.extension | json }}, "missed": {{ event.type == "missed" }}}' });
      await send(sink, sampleEvent({ from: { raw: '2125551212', name: 'Doe, "Johnny"\n' } }));
      expect(JSON.parse(r.accepted[0]!.body)).to.deep.equal({ caller: 'Doe, "Johnny"\n', agent: '102', missed: true });
    });

    it('dead-letters an event whose template output is not the JSON the content type promises, sending nothing', async () => {
      const r = await receiver();
      const sink = await create({ url: r.url, template: '{"agent": {{ event.agent.extension | json }}}' });
      const outcome = await send(sink, sampleEvent({ agent: undefined }));
      expect(outcome.status).to.equal('failed');
      expect(reasonOf(outcome)).to.match(/^rendering the webhook template: the output is not valid JSON .*\{"agent": \}$/);
      expect(r.requests).to.have.length(0);
    });

    it('refuses a template with an unknown filter at start, not at delivery', () => {
      const config = webhook.config.parse({ url: 'http://127.0.0.1:1/in', template: '{{ from.e164 | shout }}' });
      expect(() => webhook.create(config, testContext())).to.throw(/shout/);
    });
  });

  describe('config', () => {
    const errors = (config: Record<string, unknown>): string[] => {
      const result = webhook.config.safeParse(config);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    it('accepts a secret or a list of secrets, and defaults contentType and headers', () => {
      expect(errors({ url: 'https://example.com/in', secret: [NEW, OLD] })).to.deep.equal([]);
      expect(webhook.config.parse({ url: 'https://example.com/in', secret: OLD })).to.deep.include({ contentType: 'application/json', headers: {} });
    });
    it('refuses secrets that are not whsec_ + base64', () => {
      expect(errors({ url: 'https://example.com/in', secret: 'plain-password' })[0]).to.match(/^secret: .*whsec_/);
      expect(errors({ url: 'https://example.com/in', secret: [OLD, 'whsec_'] })).to.not.deep.equal([]);
    });
    it('refuses headers the sink sets itself', () => {
      expect(errors({ url: 'https://example.com/in', headers: { 'Webhook-Signature': 'v1,forged' } })[0]).to.match(/^headers: .*set by the sink/);
      expect(errors({ url: 'https://example.com/in', headers: { 'content-type': 'text/plain' } })[0]).to.match(/contentType/);
    });
    it('refuses URLs that are not http(s)', () => {
      expect(errors({ url: 'ftp://example.com/in' })).to.have.length(1);
      expect(errors({ url: 'not a url' })).to.have.length(1);
    });
  });
});

const contractReceiver = new VerifyingReceiver([OLD]);
runSinkContract('webhook', {
  async create() {
    if (!contractReceiver.url) await contractReceiver.start();
    return create({ url: contractReceiver.url, secret: OLD });
  },
  setBehaviour: (behaviour) => { contractReceiver.behaviour = behaviour; },
  received: () => contractReceiver.accepted.length,
  cleanup: () => contractReceiver.stop(),
});
