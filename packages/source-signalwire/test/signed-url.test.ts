import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import http from 'node:http';
import { pino } from 'pino';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { makeWebhook, MemoryStore, testContext } from '@callrelay/testkit';
import signalwire, { signedUrls } from '@callrelay/source-signalwire';
import { documentedSignature } from './signer.js';

const KEY = 'PSK_quote_0123456789abcdef';
const FORM = 'CallSid=CA-quote&CallStatus=completed&Direction=inbound&From=%2B12125550147&To=%2B14155550123';
/** The query as configured in SignalWire: a raw `'` and an escaped one (`%27`), both the same character once decoded. */
const QUERY = "?name=O'Brien&x=%27";

/** Posts with the request-target exactly as given (fetch and `new URL` would re-encode the `'`). */
function postRaw(port: number, target: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: target, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), ...headers } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe("signalwire signature over the URL as SignalWire called it (bug 6b: a ' in the query)", () => {
  const servers: IngestServer[] = [];
  const serve = async (config: Record<string, unknown>) => {
    const source = await signalwire.create(signalwire.config.parse(config) as never, testContext());
    const server = new IngestServer(
      [{ id: 'sw', route: '/hooks/sw', platform: 'signalwire', source }],
      { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
      { store: new MemoryStore(), metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) },
    );
    servers.push(server);
    return (await server.listen()).port;
  };
  after(() => Promise.all(servers.map((s) => s.close())));

  let port = 0;
  before(async () => { port = await serve({ auth: { signingKey: KEY } }); });

  it("bug: a URL with ?name=O'Brien&x=%27, signed exactly as SignalWire signs it, failed verification; it passes", async () => {
    const signature = documentedSignature(KEY, `http://127.0.0.1:${port}/hooks/sw${QUERY}`, FORM);
    expect(await postRaw(port, `/hooks/sw${QUERY}`, { 'x-signalwire-signature': signature }, FORM)).to.equal(200);
  });

  it('still refuses a signature over other query values or another body', async () => {
    const other = documentedSignature(KEY, `http://127.0.0.1:${port}/hooks/sw?name=O'Brien&x=%28`, FORM);
    expect(await postRaw(port, `/hooks/sw${QUERY}`, { 'x-signalwire-signature': other }, FORM)).to.equal(401);
    const signature = documentedSignature(KEY, `http://127.0.0.1:${port}/hooks/sw${QUERY}`, FORM);
    expect(await postRaw(port, `/hooks/sw${QUERY}`, { 'x-signalwire-signature': signature }, FORM.replace('completed', 'busy'))).to.equal(401);
  });

  it('behind a proxy: publicUrl joined with the query as sent', async () => {
    const publicUrl = 'https://hooks.example.com/telephony/signalwire';
    const proxied = await serve({ auth: { signingKey: KEY }, publicUrl });
    const signature = documentedSignature(KEY, `${publicUrl}${QUERY}`, FORM);
    expect(await postRaw(proxied, `/hooks/sw${QUERY}`, { 'x-signalwire-signature': signature }, FORM)).to.equal(200);
  });

  it('uses the raw request-target when the host passes it: one URL, nothing re-read', () => {
    const request = { ...makeWebhook({ url: 'https://hooks.example.com/base/hooks/sw?name=O%27Brien' }), target: "/hooks/sw?name=O'Brien" };
    expect(signedUrls(request)).to.deep.equal(["https://hooks.example.com/base/hooks/sw?name=O'Brien"]);
    expect(signedUrls(request, 'https://public.example.com/sw')).to.deep.equal(["https://public.example.com/sw?name=O'Brien"]);
  });

  it('signs exactly the raw target, escapes and all: O%27Brien and O\'Brien are different URLs', () => {
    expect(signedUrls(makeWebhook({ url: 'https://h.example.com/sw?name=O%27Brien&x=%27' }))).to.deep.equal(['https://h.example.com/sw?name=O%27Brien&x=%27']);
    expect(signedUrls(makeWebhook({ url: "https://h.example.com/sw?name=O'Brien&x='" }))).to.deep.equal(["https://h.example.com/sw?name=O'Brien&x='"]);
  });
});
