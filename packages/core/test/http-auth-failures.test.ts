import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { testContext } from '@callrelay/testkit';
import jambonz, { signJambonzPayload } from '@callrelay/source-jambonz';
import signalwire from '@callrelay/source-signalwire';
import { AuthFailureLimit, clientKey } from '../src/http/auth-failure-limit.js';
import { captureLog, serveSources } from './http-helpers.js';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const body = (id: string) => JSON.stringify({ call_sid: id, call_status: 'trying' });

describe('http: failed authentication (issue 12 item 7)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => { for (const close of closers) await close(); });

  it('401 answers reveal neither the method that failed, the clock skew nor the public URL; the log has them with the source id', async () => {
    const log = captureLog();
    const signed = await jambonz.create(jambonz.config.parse({ auth: { webhookSecret: 'wh_secret', toleranceSeconds: 300 } }) as never, testContext());
    const publicUrl = 'https://hooks.internal.example.com/telephony/signalwire';
    const sw = await signalwire.create(signalwire.config.parse({ auth: { signingKey: 'PSKkey' }, publicUrl }) as never, testContext());
    const app = await serveSources({ pbx: signed, sw }, {}, log.logger);
    closers.push(app.close);
    const stale = signJambonzPayload(body('c1'), 'wh_secret', Math.floor(Date.now() / 1000) - 3600);
    const answers = [
      await fetch(`${app.base}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json', 'jambonz-signature': stale }, body: body('c1') }),
      await fetch(`${app.base}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('c1') }),
      await fetch(`${app.base}/hooks/sw`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signalwire-signature': 'AAAA' }, body: 'CallSid=CA1&CallStatus=ringing' }),
    ];
    for (const answer of answers) {
      expect(answer.status).to.equal(401);
      expect(await answer.json()).to.deep.equal({ error: 'unauthorized' });
    }
    const refused = log.lines.filter((l) => l.msg === 'webhook refused');
    expect(refused.map((l) => l.source)).to.deep.equal(['pbx', 'pbx', 'sw']);
    expect(refused.map((l) => l.reason).join('\n')).to.match(/timestamp|tolerance|old/i).and.match(/missing Jambonz-Signature/).and.include('hooks.internal.example.com');
  });

  it('credentials in headers are checked before the body is read: 401 arrives while the body is still on its way', async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: { basic: { username: 'jambonz', password: 's3cret' } } }) as never, testContext());
    const app = await serveSources({ pbx: source });
    closers.push(app.close);
    const { createConnection } = await import('node:net');
    const socket = createConnection(app.port, '127.0.0.1');
    // Headers for a 1 MB body, then only the first bytes of it: the answer must not wait for the rest.
    socket.write('POST /hooks/pbx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"call_sid":');
    const reply = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => { text += chunk; });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => reject(new Error(`no answer before the body was sent; got ${JSON.stringify(text)}`)), 3000).unref();
    });
    expect(reply).to.match(/^HTTP\/1\.1 401/).and.match(/connection: close/i);
  });

  it('repeated failed authentications from one address get 429 + Retry-After, even with the right password; other addresses do not', async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: { basic: { username: 'jambonz', password: 's3cret' } } }) as never, testContext());
    const log = captureLog();
    // Behind a proxy on loopback, so that X-Forwarded-For can stand for several clients.
    const app = await serveSources({ pbx: source }, { trustProxy: ['loopback'], authFailureLimit: { burst: 3, perMinute: 6 } }, log.logger);
    closers.push(app.close);
    const post = (client: string, password: string, id: string) => fetch(`${app.base}/hooks/pbx`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client, authorization: basic('jambonz', password) }, body: body(id),
    });
    for (let i = 0; i < 3; i++) expect((await post('198.51.100.7', `guess${i}`, `g${i}`)).status).to.equal(401);
    const limited = await post('198.51.100.7', 's3cret', 'ok-1');
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 10);
    expect(app.store.events.size, 'nothing stored while limited').to.equal(0);
    expect((await post('203.0.113.9', 's3cret', 'ok-2')).status, 'another client').to.equal(200);
    expect((await post('198.51.100.7', 'guess', 'g9')).status, 'still limited').to.equal(429);
    expect(log.lines.some((l) => /too many failed authentications/.test(String(l.msg)) && l.remote === '198.51.100.7' && l.source === 'pbx')).to.equal(true);
  });

  it('over concurrencyPerSource, a request gets 503 + Retry-After without its body being read', async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext());
    const app = await serveSources({ pbx: source }, { concurrencyPerSource: 2 });
    closers.push(app.close);
    const { createConnection } = await import('node:net');
    // Two uploads that stall halfway hold both slots.
    const stalled = [0, 1].map(() => {
      const socket = createConnection(app.port, '127.0.0.1');
      socket.write('POST /hooks/pbx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"call_sid":');
      socket.on('error', () => {});
      return socket;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const busy = await fetch(`${app.base}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('busy') });
    expect(busy.status).to.equal(503);
    expect(busy.headers.get('retry-after')).to.equal('2');
    for (const socket of stalled) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${app.base}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('after') })).status).to.equal(200);
  });

  it('refuses connections over maxConnections', async () => {
    const source = await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext());
    const app = await serveSources({ pbx: source }, { maxConnections: 3 });
    closers.push(app.close);
    const { createConnection } = await import('node:net');
    const open = await Promise.all([0, 1, 2].map(() => new Promise<import('node:net').Socket>((resolve) => {
      const socket = createConnection(app.port, '127.0.0.1', () => resolve(socket));
    })));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = await fetch(`${app.base}/healthz`).then((r) => r.status, (err: Error) => err.message);
    expect(extra).to.not.equal(200);
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${app.base}/healthz`)).status).to.equal(200);
  });
});

describe('AuthFailureLimit', () => {
  it('refills at perMinute and forgets a client whose bucket is full again', () => {
    let now = 0;
    const limit = new AuthFailureLimit({ burst: 2, perMinute: 6 }, () => now);
    limit.recordFailure('192.0.2.1');
    expect(limit.retryAfterSeconds('192.0.2.1')).to.equal(0);
    expect(limit.recordFailure('192.0.2.1')).to.equal(true);
    expect(limit.retryAfterSeconds('192.0.2.1')).to.equal(10);
    now = 5000;
    expect(limit.retryAfterSeconds('192.0.2.1')).to.equal(5);
    now = 10_000;
    expect(limit.retryAfterSeconds('192.0.2.1')).to.equal(0);
    now = 30_000;
    expect(limit.retryAfterSeconds('192.0.2.1')).to.equal(0);
    expect(limit.size).to.equal(0);
  });

  it('counts an IPv6 /64 as one client, and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).to.equal(clientKey('2001:db8:1:2:bbbb::9'));
    expect(clientKey('2001:db8:1:3::1')).to.not.equal(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::ffff:192.0.2.1')).to.equal('192.0.2.1');
  });

  it('tracks a bounded number of clients', () => {
    const limit = new AuthFailureLimit({ burst: 5, perMinute: 1 }, () => 0);
    for (let i = 0; i < 10_050; i++) limit.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(limit.size).to.equal(10_000);
  });
});
