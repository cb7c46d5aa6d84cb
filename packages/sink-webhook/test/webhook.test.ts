import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { settleDelivery } from '@callrelay/core';
import { runSinkContract, sampleEvent, testContext, type DestinationBehaviour } from '@callrelay/testkit';
import webhook from '@callrelay/sink-webhook';

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/** A receiver that verifies every request with the standardwebhooks package, knowing some secrets. */
class VerifyingReceiver {
  behaviour: DestinationBehaviour | 'redirect' = 'ok';
  accepted: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  verificationErrors: string[] = [];
  url = '';
  constructor(private secrets: string[]) {}
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      if (this.secrets.length) {
        const ok = this.secrets.some((s) => { try { new Webhook(s).verify(body, headers); return true; } catch { return false; } });
        if (!ok) { this.verificationErrors.push(body); res.writeHead(401).end('bad signature'); return; }
      }
      const b = this.behaviour;
      if (b === 'ok') { this.accepted.push({ body, headers: req.headers }); res.writeHead(204).end(); }
      else if (b === 'retryable') res.writeHead(503).end('maintenance');
      else if (b === 'permanent') res.writeHead(410).end('this endpoint is gone');
      else if (b === 'redirect') res.writeHead(302, { location: 'http://example.com' }).end();
      else res.writeHead(429, { 'retry-after': String(b.retryAfterSec) }).end('slow down');
    });
  });
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/in`;
    return this;
  }
  stop() { this.server.closeAllConnections(); return new Promise((r) => this.server.close(r)); }
}

const ctx = (id = 'p/s/e1') => ({ deliveryId: id, attempt: 1, pipeline: 'p', signal: new AbortController().signal });
const create = (config: Record<string, unknown>) => webhook.create(webhook.config.parse(config), testContext());

describe('webhook sink', () => {
  const receivers: VerifyingReceiver[] = [];
  const receiver = async (secrets: string[]) => { const r = await new VerifyingReceiver(secrets).start(); receivers.push(r); return r; };
  after(async () => { for (const r of receivers) await r.stop(); });

  it('signs by the Standard Webhooks spec, with a webhook-id stable across retries', async () => {
    const r = await receiver([OLD]);
    const sink = await create({ url: r.url, secret: OLD });
    const event = sampleEvent();
    await sink.deliver(event, ctx('p/s/stable'));
    await sink.deliver(event, { ...ctx('p/s/stable'), attempt: 2 });
    expect(r.verificationErrors).to.deep.equal([]);
    expect(r.accepted.map((a) => a.headers['webhook-id'])).to.deep.equal(['p/s/stable', 'p/s/stable']);
    expect(JSON.parse(r.accepted[0]!.body).id).to.equal(event.id);
  });

  it('verifies during secret rotation for receivers that know only the old or only the new secret', async () => {
    const knowsOld = await receiver([OLD]);
    const knowsNew = await receiver([NEW]);
    for (const r of [knowsOld, knowsNew]) {
      const sink = await create({ url: r.url, secret: [NEW, OLD] });
      const outcome = await settleDelivery(() => sink.deliver(sampleEvent(), ctx()));
      expect(outcome.status).to.equal('delivered');
      expect(r.verificationErrors).to.deep.equal([]);
      expect(String(r.accepted[0]!.headers['webhook-signature']).split(' ')).to.have.length(2);
    }
    const unknown = await receiver(['whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCE=']);
    const sink = await create({ url: unknown.url, secret: OLD });
    expect((await settleDelivery(() => sink.deliver(sampleEvent(), ctx()))).status, 'a 401 from the receiver is permanent').to.equal('failed');
    expect(unknown.verificationErrors).to.have.length(1);
  });

  it('maps statuses: 410 and other 4xx permanent (with a body excerpt), 408/429/5xx retried', async () => {
    const r = await receiver([]);
    const sink = await create({ url: r.url });
    r.behaviour = 'permanent';
    const gone = await settleDelivery(() => sink.deliver(sampleEvent(), ctx()));
    expect(gone).to.deep.include({ status: 'failed' });
    expect((gone as { reason: string }).reason).to.match(/410.*this endpoint is gone/);
    r.behaviour = 'redirect';
    expect((await settleDelivery(() => sink.deliver(sampleEvent(), ctx()))).status).to.equal('failed');
    r.behaviour = { retryAfterSec: 3 };
    expect(await settleDelivery(() => sink.deliver(sampleEvent(), ctx()))).to.deep.include({ status: 'retry', retryAfterMs: 3000, countsAsAttempt: false });
  });

  it('retries when the receiver cannot be reached', async () => {
    const sink = await create({ url: 'http://127.0.0.1:9/nothing-listens' });
    const outcome = await settleDelivery(() => sink.deliver(sampleEvent(), ctx()));
    expect(outcome.status).to.equal('retry');
  });

  it('sends custom headers and a template body', async () => {
    const r = await receiver([]);
    const sink = await create({ url: r.url, headers: { 'x-api-key': 'k1' }, template: 'missed={{ from.e164 }} agent={{ agent.extension }}', contentType: 'text/plain' });
    await sink.deliver(sampleEvent(), ctx());
    expect(r.accepted[0]!.body).to.equal('missed=+15552221133 agent=101');
    expect(r.accepted[0]!.headers['x-api-key']).to.equal('k1');
    expect(r.accepted[0]!.headers['content-type']).to.equal('text/plain');
  });

  it('refuses a secret that is not whsec_ in config', () => {
    expect(webhook.config.safeParse({ url: 'http://x', secret: 'plain' }).success).to.equal(false);
  });
});

const contractReceiver = new VerifyingReceiver([OLD]);
runSinkContract('webhook', {
  create: async () => { if (!contractReceiver.url) await contractReceiver.start(); return create({ url: contractReceiver.url, secret: OLD }); },
  setBehaviour: (b) => { contractReceiver.behaviour = b; },
  received: () => contractReceiver.accepted.length,
  cleanup: async () => { await contractReceiver.stop(); },
});
