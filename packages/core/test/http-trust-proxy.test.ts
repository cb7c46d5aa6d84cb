import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { z } from '@callrelay/core';
import { ConfigError, ConnectorRegistry, parseConfig, registerBuiltins } from '@callrelay/core/host';
import { testContext } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';
import { readFileSync } from 'node:fs';
import { ClientAddressResolver, normalizeAddress, proxyEntryProblem } from '../src/http/client-address.js';
import { serverSchema } from '../src/config/schema.js';
import { recordingSource, serveSources } from './http-helpers.js';

/** A request as proxy-addr reads it: the socket peer and the headers. */
const requestFrom = (peer: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('http: the client address behind proxies (issue 12 item 2)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => { for (const close of closers) await close(); });

  const allowListed = async (trustProxy: false | number | string[]) => {
    const source = await jambonz.create(jambonz.config.parse({ auth: { allowIps: ['203.0.113.0/24'] } }) as never, testContext());
    const app = await serveSources({ pbx: source }, { trustProxy });
    closers.push(app.close);
    return (xff?: string) => fetch(`${app.base}/hooks/pbx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(xff ? { 'x-forwarded-for': xff } : {}) },
      body: JSON.stringify({ call_sid: `c-${Math.random()}`, call_status: 'trying' }),
    });
  };

  it('a forged leftmost X-Forwarded-For does not pass an IP allow-list behind a named proxy', async () => {
    // callrelay sees the proxy (loopback here); the proxy appended the real client, 198.51.100.9.
    const post = await allowListed(['loopback']);
    expect((await post('203.0.113.5, 198.51.100.9')).status, 'forged allow-listed address on the left').to.equal(401);
    expect((await post('203.0.113.5')).status, 'an allow-listed client as the proxy saw it').to.equal(200);
    expect((await post()).status, 'no header: the client is the proxy itself').to.equal(401);
  });

  it('with a hop count, the client is the address the outermost trusted proxy saw', async () => {
    const post = await allowListed(1);
    expect((await post('203.0.113.5, 198.51.100.9')).status).to.equal(401);
    expect((await post('198.51.100.9, 203.0.113.5')).status).to.equal(200);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy, and without trustProxy', async () => {
    expect((await (await allowListed(['10.0.0.1']))('203.0.113.5')).status).to.equal(401);
    expect((await (await allowListed(false))('203.0.113.5')).status).to.equal(401);
  });

  it('believes X-Forwarded-Proto and -Host (for signed URLs) only from a trusted proxy', async () => {
    const trusted = recordingSource();
    const untrusted = recordingSource();
    const behindProxy = await serveSources({ a: trusted.source }, { trustProxy: ['127.0.0.1'] });
    const direct = await serveSources({ a: untrusted.source }, { trustProxy: ['10.0.0.1'] });
    closers.push(behindProxy.close, direct.close);
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com', 'x-forwarded-for': '198.51.100.9' };
    await fetch(`${behindProxy.base}/hooks/a?x=1`, { method: 'POST', headers, body: 'a=b' });
    await fetch(`${direct.base}/hooks/a?x=1`, { method: 'POST', headers, body: 'a=b' });
    expect(trusted.seen[0]).to.include({ url: 'https://hooks.example.com/hooks/a?x=1', remoteAddress: '198.51.100.9' });
    expect(trusted.seen[0]!.url).to.equal('https://hooks.example.com/hooks/a?x=1');
    expect(untrusted.seen[0]!.url).to.equal(`http://127.0.0.1:${direct.port}/hooks/a?x=1`);
    expect(untrusted.seen[0]!.remoteAddress).to.equal('127.0.0.1');
  });

  describe('ClientAddressResolver', () => {
    it('walks X-Forwarded-For from the right over trusted proxies only', () => {
      const resolver = new ClientAddressResolver(['10.0.0.0/8']);
      expect(resolver.resolve(requestFrom('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.0.0.7' })).address).to.equal('198.51.100.9');
      expect(resolver.resolve(requestFrom('198.51.100.1', { 'x-forwarded-for': '6.6.6.6' })).address).to.equal('198.51.100.1');
      expect(resolver.resolve(requestFrom('::ffff:10.0.0.2', { 'x-forwarded-for': '198.51.100.9' })).address).to.equal('198.51.100.9');
    });

    it('reads addresses with the port some proxies append, and IPv4-mapped IPv6 as IPv4', () => {
      expect(normalizeAddress('203.0.113.7:51234')).to.equal('203.0.113.7');
      expect(normalizeAddress('[2001:db8::1]:443')).to.equal('2001:db8::1');
      expect(normalizeAddress('::ffff:192.0.2.1')).to.equal('192.0.2.1');
      expect(new ClientAddressResolver(1).resolve(requestFrom('127.0.0.1', { 'x-forwarded-for': '203.0.113.7:51234' })).address).to.equal('203.0.113.7');
    });

    it('an unreadable X-Forwarded-For entry is the client (and passes no allow-list)', () => {
      const origin = new ClientAddressResolver(['loopback']).resolve(requestFrom('127.0.0.1', { 'x-forwarded-for': 'unknown' }));
      expect(origin.address).to.equal('unknown');
    });

    it('refuses true, 0, a /0 range and entries that are not addresses', () => {
      expect(() => new ClientAddressResolver(true as never)).to.throw(/X-Forwarded-For sent by anyone/);
      expect(() => new ClientAddressResolver(0)).to.throw(/whole number of 1 or more/);
      expect(proxyEntryProblem('0.0.0.0/0')).to.match(/trusts every address/);
      expect(proxyEntryProblem('10.0.0.0/')).to.match(/not an IP address/);
      expect(proxyEntryProblem('proxy.internal')).to.match(/not an IP address/);
      expect(proxyEntryProblem('toString')).to.match(/not an IP address/);
      expect(proxyEntryProblem('uniquelocal')).to.equal(undefined);
      expect(proxyEntryProblem('2001:db8::/32')).to.equal(undefined);
    });
  });
});

describe('http: server settings in the config file', () => {
  const store = { kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({}), create: () => { throw new Error('not used'); } } as const;
  const load = (server: string) => parseConfig(
    `sources:\n  pbx: { type: jambonz, auth: none }\nsinks:\n  out: { type: console }\npipelines:\n  all: { from: [pbx], to: [out] }\nserver:\n${server}`,
    { file: 'callrelay.yaml', registry: registerBuiltins(new ConnectorRegistry()).register(jambonz, store as never), env: {}, baseDir: '/tmp' },
  );
  const issues = async (server: string) => {
    try {
      await load(server);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return (err as ConfigError).issues;
    }
    throw new Error('expected the config to be refused');
  };

  it('refuses trustProxy: true with its line, column and what to write instead', async () => {
    const [issue, ...rest] = await issues('  port: 8080\n  trustProxy: true\n');
    expect(rest).to.have.length(0);
    expect(issue).to.deep.include({ file: 'callrelay.yaml', line: 9, column: 3, path: 'server.trustProxy' });
    expect(issue!.message).to.match(/name the proxies/).and.match(/trustProxy: 1/);
  });

  it('reports a trustProxy entry that is not an address, at that entry', async () => {
    const [issue] = await issues('  trustProxy: [10.0.0.5, proxy.internal]\n');
    expect(issue).to.deep.include({ path: 'server.trustProxy.1', line: 8, column: 26 });
    expect(issue!.message).to.match(/"proxy.internal" is not an IP address/);
  });

  it('refuses a header timeout longer than the request timeout', async () => {
    const [issue] = await issues('  headersTimeoutMs: 20000\n  requestTimeoutMs: 10000\n');
    expect(issue).to.deep.include({ path: 'server.headersTimeoutMs' });
  });

  it('takes proxy lists, hop counts and the hardening settings, with their defaults', async () => {
    expect((await load('  trustProxy: [loopback, 10.1.0.0/16, "2001:db8::1"]\n')).server.trustProxy).to.deep.equal(['loopback', '10.1.0.0/16', '2001:db8::1']);
    const config = await load('  trustProxy: 2\n');
    expect(config.server).to.deep.include({
      trustProxy: 2, headersTimeoutMs: 5000, requestTimeoutMs: 10_000, maxConnections: 1024, concurrencyPerSource: 64,
      authFailureLimit: { burst: 20, perMinute: 10 }, maxBodyDepth: 32, maxBodyFields: 1000,
    });
    expect((await load('  authFailureLimit: false\n')).server.authFailureLimit).to.equal(false);
  });

  it('docs/configuration.md documents every server setting, with its default', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### server'), doc.indexOf('\n### ', doc.indexOf('### server') + 1));
    const defaults = serverSchema.parse({}) as Record<string, unknown>;
    for (const key of Object.keys(serverSchema.shape)) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, key).to.be.a('string');
      const value = defaults[key];
      if (typeof value === 'number') expect(row, `${key} default`).to.include(`| \`${value}\` |`);
    }
  });
});
