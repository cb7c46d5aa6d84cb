import { describe, it } from 'mocha';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { makeWebhook } from '@callrelay/testkit';
import signalwire from '@callrelay/source-signalwire';
import { documentedSignature, hexSignature, sha256Signature, sourceFor } from './signer.js';

const KEY = 'PSK_current_0123456789abcdef';
const OLD_KEY = 'PSK_previous_fedcba9876543210';
const FORM = 'CallSid=CA1&CallStatus=ringing&CallbackSource=call-progress-events&From=%2B12125550147&Timestamp=Tue%2C+04+Feb+2025+10%3A15%3A02+%2B0000';
const formRequest = (url: string, headers: Record<string, string>, body = FORM) =>
  makeWebhook({ url, body, contentType: 'application/x-www-form-urlencoded', headers });
const verify = async (config: Record<string, unknown>, request: ReturnType<typeof makeWebhook>) => (await sourceFor(config)).verify(request);

describe('signalwire signature verification', () => {
  it('accepts a form body signed over the URL plus the sorted parameters (X-SignalWire-Signature and X-Twilio-Signature)', async () => {
    const url = 'https://hooks.example.com/hooks/sw?tenant=acme';
    const signature = documentedSignature(KEY, url, FORM);
    expect(await verify({ auth: { signingKey: KEY } }, formRequest(url, { 'X-SignalWire-Signature': signature }))).to.deep.equal({ ok: true });
    expect(await verify({ auth: { signingKey: KEY } }, formRequest(url, { 'X-Twilio-Signature': signature }))).to.deep.equal({ ok: true });
    const reordered = FORM.split('&').reverse().join('&');
    expect(await verify({ auth: { signingKey: KEY } }, formRequest(url, { 'X-SignalWire-Signature': signature }, reordered)), 'parameter order does not matter').to.deep.equal({ ok: true });
  });

  it('sorts parameter names case-sensitively, as documented (CallSid before CallbackSource)', async () => {
    const url = 'https://hooks.example.com/hooks/sw';
    // Sorted case-insensitively, CallbackSource would come first: that signature must not pass.
    const params = new URLSearchParams(FORM);
    const insensitive = [...params].sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase())).map(([k, v]) => k + v).join('');
    const { createHmac } = await import('node:crypto');
    const wrongOrder = createHmac('sha1', KEY).update(url + insensitive).digest('base64');
    expect((await verify({ auth: { signingKey: KEY } }, formRequest(url, { 'X-SignalWire-Signature': wrongOrder }))).ok).to.equal(false);
  });

  it('uses publicUrl behind a proxy, keeping the query string of the request', async () => {
    const publicUrl = 'https://hooks.example.com/telephony/signalwire';
    const seenByServer = 'http://10.0.0.7:8080/hooks/signalwire?tenant=acme';
    const config = { auth: { signingKey: KEY }, publicUrl };
    const overPublic = documentedSignature(KEY, `${publicUrl}?tenant=acme`, FORM);
    expect(await verify(config, formRequest(seenByServer, { 'x-signalwire-signature': overPublic }))).to.deep.equal({ ok: true });
    const overInternal = documentedSignature(KEY, seenByServer, FORM);
    expect((await verify(config, formRequest(seenByServer, { 'x-signalwire-signature': overInternal }))).ok, 'publicUrl overrides the URL the server saw').to.equal(false);
    expect(await verify({ auth: { signingKey: KEY } }, formRequest(seenByServer, { 'x-signalwire-signature': overInternal })), 'without publicUrl, the request URL').to.deep.equal({ ok: true });
    const withoutQuery = documentedSignature(KEY, publicUrl, FORM);
    expect((await verify(config, formRequest(seenByServer, { 'x-signalwire-signature': withoutQuery }))).ok, 'the query string is signed too').to.equal(false);
  });

  it('accepts the URL with or without the default port', async () => {
    const signedWithPort = documentedSignature(KEY, 'https://hooks.example.com:443/hooks/sw', FORM);
    expect(await verify({ auth: { signingKey: KEY } }, formRequest('https://hooks.example.com/hooks/sw', { 'x-signalwire-signature': signedWithPort }))).to.deep.equal({ ok: true });
    const signedOtherPort = documentedSignature(KEY, 'https://hooks.example.com:8443/hooks/sw', FORM);
    expect((await verify({ auth: { signingKey: KEY } }, formRequest('https://hooks.example.com/hooks/sw', { 'x-signalwire-signature': signedOtherPort }))).ok).to.equal(false);
  });

  it('accepts any configured key during rotation and refuses others', async () => {
    const url = 'https://hooks.example.com/hooks/sw';
    const config = { auth: { signingKey: [KEY, OLD_KEY] } };
    expect(await verify(config, formRequest(url, { 'x-signalwire-signature': documentedSignature(OLD_KEY, url, FORM) }))).to.deep.equal({ ok: true });
    expect(await verify(config, formRequest(url, { 'x-signalwire-signature': documentedSignature(KEY, url, FORM) }))).to.deep.equal({ ok: true });
    expect((await verify(config, formRequest(url, { 'x-signalwire-signature': documentedSignature('PSK_unknown', url, FORM) }))).ok).to.equal(false);
  });

  it('fails closed: missing, empty, tampered body, tampered query', async () => {
    const url = 'https://hooks.example.com/hooks/sw?x=1';
    const config = { auth: { signingKey: KEY } };
    const missing = await verify(config, formRequest(url, {}));
    expect(missing.ok).to.equal(false);
    expect(missing.ok === false && missing.reason).to.match(/X-SignalWire-Signature/);
    expect((await verify(config, formRequest(url, { 'x-signalwire-signature': '' }))).ok).to.equal(false);
    const signature = documentedSignature(KEY, url, FORM);
    expect((await verify(config, formRequest(url, { 'x-signalwire-signature': signature }, FORM.replace('ringing', 'completed')))).ok).to.equal(false);
    expect((await verify(config, formRequest('https://hooks.example.com/hooks/sw?x=2', { 'x-signalwire-signature': signature }))).ok).to.equal(false);
  });

  it('GET: the URL with its query string is what is signed', async () => {
    const url = 'https://hooks.example.com/hooks/sw?CallSid=CA1&CallStatus=completed&CallDuration=12';
    const signature = documentedSignature(KEY, url);
    expect(await verify({ auth: { signingKey: KEY } }, makeWebhook({ method: 'GET', url, headers: { 'x-signalwire-signature': signature } }))).to.deep.equal({ ok: true });
    const tampered = url.replace('CallDuration=12', 'CallDuration=99');
    expect((await verify({ auth: { signingKey: KEY } }, makeWebhook({ method: 'GET', url: tampered, headers: { 'x-signalwire-signature': signature } }))).ok).to.equal(false);
  });

  it('JSON: accepts a signature that covers the body (hex URL+body, or bodySHA256), never the URL alone', async () => {
    const body = JSON.stringify({ CallSid: 'CA1', CallStatus: 'ringing' });
    const url = 'https://hooks.example.com/hooks/sw';
    const json = (u: string, headers: Record<string, string>, b = body) => makeWebhook({ url: u, body: b, contentType: 'application/json', headers });
    const config = { auth: { signingKey: KEY } };
    expect(await verify(config, json(url, { 'x-signalwire-signature': hexSignature(KEY, url, body) }))).to.deep.equal({ ok: true });
    expect((await verify(config, json(url, { 'x-signalwire-signature': hexSignature(KEY, url, body) }, body.replace('ringing', 'completed')))).ok).to.equal(false);
    // The URL alone proves nothing about the body: a captured signature could carry any JSON.
    expect((await verify(config, json(url, { 'x-signalwire-signature': documentedSignature(KEY, url) }))).ok).to.equal(false);
    const hashed = `${url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    expect(await verify(config, json(hashed, { 'x-twilio-signature': documentedSignature(KEY, hashed) }))).to.deep.equal({ ok: true });
    expect((await verify(config, json(hashed, { 'x-twilio-signature': documentedSignature(KEY, hashed) }, body.replace('ringing', 'busy')))).ok, 'bodySHA256 of another body').to.equal(false);
  });

  it('accepts the SHA-256 variant (hex HMAC-SHA256 over URL + raw body), alone or with the SHA-1 header', async () => {
    const url = 'https://hooks.example.com/hooks/sw';
    const config = { auth: { signingKey: [OLD_KEY, KEY] } };
    const sha256 = sha256Signature(KEY, url, FORM);
    expect(await verify(config, formRequest(url, { 'x-signalwire-sha256-signature': sha256 }))).to.deep.equal({ ok: true });
    expect(await verify(config, formRequest(url, { 'x-signalwire-sha256-signature': sha256.toUpperCase() }))).to.deep.equal({ ok: true });
    expect((await verify(config, formRequest(url, { 'x-signalwire-sha256-signature': sha256 }, `${FORM}&x=1`))).ok).to.equal(false);
    expect((await verify(config, formRequest(url, { 'x-signalwire-sha256-signature': sha256Signature('PSK_unknown', url, FORM) }))).ok).to.equal(false);
  });

  it('requires every configured method: signature, token and allow-list', async () => {
    const url = 'https://hooks.example.com/hooks/sw?token=t1';
    const signature = documentedSignature(KEY, url, FORM);
    const config = { auth: { signingKey: KEY, token: { value: 't1' }, allowIps: ['203.0.113.0/24'] } };
    const from = (remoteAddress: string, u = url) => makeWebhook({ url: u, body: FORM, contentType: 'application/x-www-form-urlencoded', headers: { 'x-signalwire-signature': documentedSignature(KEY, u, FORM) }, remoteAddress });
    expect(await verify(config, from('203.0.113.9'))).to.deep.equal({ ok: true });
    expect((await verify(config, from('198.51.100.1'))).ok, 'outside the allow-list').to.equal(false);
    expect((await verify(config, from('203.0.113.9', 'https://hooks.example.com/hooks/sw?token=t2'))).ok, 'wrong token, valid signature').to.equal(false);
    expect((await verify(config, formRequest(url, { 'x-signalwire-signature': signature.replace(/^./, 'A') }))).ok).to.equal(false);
  });

  it('config: auth is required, an allow-list alone is refused, auth none is explicit', () => {
    expect(signalwire.config.safeParse({}).success).to.equal(false);
    expect(signalwire.config.safeParse({ auth: { allowIps: ['10.0.0.0/8'] } }).success).to.equal(false);
    expect(signalwire.config.safeParse({ auth: { signingKey: [] } }).success).to.equal(false);
    expect(signalwire.config.safeParse({ auth: 'none' }).success).to.equal(true);
    expect(signalwire.config.safeParse({ auth: { signingKey: 'k' }, publicUrl: 'not a url' }).success).to.equal(false);
    expect(signalwire.config.safeParse(signalwire.example).success, 'the documented example validates').to.equal(true);
  });
});
