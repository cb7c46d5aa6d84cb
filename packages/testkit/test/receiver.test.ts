import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { defineSink, outcomeForHttpStatus, z } from '@callrelay/core';
import { runSinkContract, testContext, WebhookReceiver } from '../src/index.js';

/** A plain HTTP sink, as an author writes one, to run the contract against the receiver. */
const postSink = defineSink({
  type: 'post',
  description: 'POSTs the event as JSON.',
  config: z.object({ url: z.url() }),
  create(config, ctx) {
    return {
      async deliver(event, { signal, deliveryId }) {
        const res = await ctx.http(config.url, { method: 'POST', signal, headers: { 'content-type': 'application/json', 'idempotency-key': deliveryId }, body: JSON.stringify(event) });
        return outcomeForHttpStatus(res.status, res.headers.get('retry-after'));
      },
    };
  },
});

const contractReceiver = new WebhookReceiver({ okStatus: 202 });
runSinkContract('a plain HTTP sink against the WebhookReceiver', {
  create: async () => postSink.create(postSink.config.parse({ url: `${await contractReceiver.start()}/hook` }), testContext({ id: 'post' })),
  setBehaviour: (b) => contractReceiver.behave(b),
  received: () => contractReceiver.accepted.length,
  cleanup: () => contractReceiver.stop(),
});

describe('WebhookReceiver', () => {
  const receiver = new WebhookReceiver({ permanentStatus: 404 });
  after(() => receiver.stop());

  it('records each request whole and answers per behaviour, acceptFirst counting down', async () => {
    const url = await receiver.start();
    const post = (body: string) => fetch(`${url}/a/b?c=1`, { method: 'POST', headers: { 'x-token': 't' }, body });
    expect((await post('one')).status).to.equal(200);
    receiver.behave('permanent');
    expect((await post('two')).status).to.equal(404);
    receiver.behave({ retryAfterSec: 7 });
    const limited = await post('three');
    expect([limited.status, limited.headers.get('retry-after')]).to.deep.equal([429, '7']);
    receiver.behave({ acceptFirst: 1 });
    expect([(await post('four')).status, (await post('five')).status]).to.deep.equal([200, 503]);
    expect(receiver.requests.map((r) => [r.method, r.url, r.body, r.status, r.headers['x-token']])).to.deep.equal([
      ['POST', '/a/b?c=1', 'one', 200, 't'], ['POST', '/a/b?c=1', 'two', 404, 't'], ['POST', '/a/b?c=1', 'three', 429, 't'],
      ['POST', '/a/b?c=1', 'four', 200, 't'], ['POST', '/a/b?c=1', 'five', 503, 't'],
    ]);
    expect(receiver.accepted.map((r) => r.body)).to.deep.equal(['one', 'four']);
  });

  it('respond puts the chosen answer in the destination\'s words, and what it returns is sent and recorded', async () => {
    const service = new WebhookReceiver({
      respond: (request, answer) => (request.body === 'bad'
        ? { status: 400, body: '{"error":"bad"}', headers: { 'content-type': 'application/json' } }
        : { ...answer, status: answer.status === 200 ? 202 : answer.status }),
    });
    try {
      const url = await service.start();
      const bad = await fetch(url, { method: 'POST', body: 'bad' });
      expect([bad.status, bad.headers.get('content-type'), await bad.text()]).to.deep.equal([400, 'application/json', '{"error":"bad"}']);
      expect((await fetch(url, { method: 'POST', body: 'good' })).status).to.equal(202);
      service.behave({ retryAfterSec: 3 });
      const limited = await fetch(url, { method: 'POST', body: 'good' });
      expect([limited.status, limited.headers.get('retry-after')]).to.deep.equal([429, '3']);
      expect(service.requests.map((r) => [r.body, r.status])).to.deep.equal([['bad', 400], ['good', 202], ['good', 429]]);
      expect(service.accepted.map((r) => r.body)).to.deep.equal(['good']);
    } finally {
      await service.stop();
    }
  });
});
