import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { IpAllowList, defineSink, defineSource, defineStore, parseIpRange, z } from '@callrelay/core';
import {
  ConnectorRegistry, ConfigError, PluginHost, attributed, parseConfig, registerBuiltins, CONNECTOR_START_FAILED,
} from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';

const host = () => {
  const h = new PluginHost({ logger: pino({ level: 'silent' }), clock: { now: () => 0 }, http: fetch, metrics: new Registry() });
  h.bindStore(new MemoryStore());
  return h;
};

const memoryStore = defineStore({ type: 'sqlite', description: 'test', config: z.object({ path: z.string().default('x') }), create: () => new MemoryStore() });

describe('plugin host: connector start failures', () => {
  it('a create() failure names the source, its type and the cause: creating source "pbx" (jambonz): ...', async () => {
    // The bug: `allowIps: ["10.0.0.300/99"]` passed validate, then run failed with
    // "not an IP address or CIDR range" naming neither the source nor its type.
    const cause = new Error('not an IP address or CIDR range: 10.0.0.300/99');
    const failing = defineSource({ type: 'jambonz', description: 'test', config: z.object({}), create: () => { throw cause; } });
    try {
      await host().createConnector('pbx', failing, {}, '/tmp');
      expect.fail('expected the create failure');
    } catch (err) {
      expect((err as Error).message).to.equal('creating source "pbx" (jambonz): not an IP address or CIDR range: 10.0.0.300/99');
      expect((err as Error).cause).to.equal(cause);
      expect(err).to.deep.include({ code: CONNECTOR_START_FAILED, details: { kind: 'source', id: 'pbx', type: 'jambonz', action: 'creating' } });
    }
  });

  it('an async create() failure of a sink is attributed too, without the credentials of a URL in it', async () => {
    const failing = defineSink({
      type: 'webhook', description: 'test', config: z.object({}),
      create: async () => { throw new TypeError('Request cannot be constructed from a URL that includes credentials: https://bob:hunter2@crm.example.com/'); },
    });
    const err = await host().createConnector('crm', failing, {}, '/tmp').then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.equal('creating sink "crm" (webhook): Request cannot be constructed from a URL that includes credentials: https://[redacted]@crm.example.com/');
  });

  it('the store is attributed as store "store" (<type>), and a connector that works is returned as created', async () => {
    const broken = defineStore({ type: 'nats', description: 'test', config: z.object({}), create: () => { throw new Error('connection refused'); } });
    const err = await host().createStore(broken, {}, '/tmp').then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.equal('creating store "store" (nats): connection refused');
    const store = await host().createStore(memoryStore, {}, '/tmp');
    expect(store).to.be.instanceOf(MemoryStore);
    const sink = await host().createConnector('out', defineSink({ type: 'x', description: 't', config: z.object({}), create: () => ({ deliver: async () => undefined }) }), {}, '/tmp');
    expect(sink.deliver).to.be.a('function');
  });

  it('wraps once: a failure already attributed is passed on as it is', async () => {
    const inner = await attributed('starting', 'source', 'pbx', 'jambonz', () => { throw new Error('port in use'); }).catch((e: unknown) => e as Error);
    const outer = await attributed('creating', 'source', 'pbx', 'jambonz', () => { throw inner; }).catch((e: unknown) => e as Error);
    expect(outer).to.equal(inner);
    expect(outer.message).to.equal('starting source "pbx" (jambonz): port in use');
  });
});

describe('IP allow-lists', () => {
  it('allowIps "10.0.0.300/99" fails at validation with the source path, not at run', async () => {
    const registry = registerBuiltins(new ConnectorRegistry()).register(jambonz, memoryStore);
    try {
      await parseConfig('sources:\n  pbx:\n    type: jambonz\n    auth: { allowIps: ["10.0.0.0/8", "10.0.0.300/99"] }\n', { file: 'pbx.yaml', registry, env: {}, baseDir: '/tmp' });
      expect.fail('expected a config error');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues;
      expect(issues).to.have.length(1);
      expect(issues[0]).to.deep.include({ path: 'sources.pbx.auth.allowIps.1', line: 4, found: 'string "10.0.0.300/99"' });
      expect(issues[0]!.message).to.match(/an IP address or CIDR range/);
    }
  });

  it('reads addresses and ranges as the schema does, and names a bad entry', () => {
    for (const ok of ['203.0.113.10', '10.0.0.0/8', '0.0.0.0/0', '10.1.2.3/32', '::1', '2001:db8::/32', '::/0', '::ffff:10.0.0.1']) expect(parseIpRange(ok), ok).to.not.equal(undefined);
    for (const bad of ['10.0.0.300', '10.0.0.0/33', '10.0.0.0/99', '2001:db8::/129', '10.0.0.0/8/1', '10.0.0.0/', '/8', '10.0.0.0/-1', '10.0.0.0/ 8', 'example.com', '']) {
      expect(parseIpRange(bad), bad).to.equal(undefined);
    }
    expect(() => new IpAllowList(['10.0.0.300/99'])).to.throw(/not an IP address or CIDR range: "10.0.0.300\/99"/);
    const list = new IpAllowList(['10.0.0.0/8', '2001:db8::/32']);
    expect([list.allows('10.9.8.7'), list.allows('::ffff:10.1.1.1'), list.allows('2001:db8::5'), list.allows('11.0.0.1')]).to.deep.equal([true, true, true, false]);
  });
});
