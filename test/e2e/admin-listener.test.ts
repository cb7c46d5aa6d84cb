import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { ContainerModule, ConfigError, Runtime, TOKENS, parseConfig } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';
import { bundledRegistry } from '../../packages/cli/src/bundled.js';

const TOKEN = 'admin-token-0123456789abcdef';

async function node(admin: string): Promise<{ runtime: Runtime; url: string; adminUrl: string }> {
  const config = await parseConfig(['server: { port: 0 }', admin, 'sources:', '  pbx: { type: jambonz, auth: none }'].join('\n'),
    { file: 'admin.yaml', registry: await bundledRegistry(), env: { ADMIN_TOKEN: TOKEN }, baseDir: '/nonexistent' });
  const memory = new ContainerModule(({ rebindSync }) => { rebindSync(TOKENS.Store).toConstantValue(new MemoryStore()); });
  const runtime = new Runtime(config, { logger: pino({ level: 'silent' }), modules: [memory] });
  const address = await runtime.start();
  return { runtime, url: `http://127.0.0.1:${address.port}`, adminUrl: `http://127.0.0.1:${runtime.adminAddress?.port}` };
}

describe('admin listener', () => {
  it('serves metrics and readiness detail on its own port; the public port has neither', async () => {
    const { runtime, url, adminUrl } = await node('admin: { port: 0 }');
    try {
      expect((await fetch(`${url}/metrics`)).status).to.equal(404);
      expect(await (await fetch(`${url}/readyz`)).json()).to.deep.equal({ status: 'ready' });
      const metrics = await fetch(`${adminUrl}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(await metrics.text()).to.match(/^# HELP callrelay_webhooks_received_total/m);
      const ready = await (await fetch(`${adminUrl}/readyz`)).json();
      expect(ready).to.deep.include({ ready: true, status: 'ready', sources: [{ id: 'pbx', route: '/hooks/pbx' }] });
      expect(ready.backlog).to.have.property('routing');
      expect((await fetch(`${adminUrl}/healthz`)).status).to.equal(200);
      // Webhook routes are not on the admin listener.
      expect((await fetch(`${adminUrl}/hooks/pbx`, { method: 'POST', body: '{}' })).status).to.equal(404);
    } finally {
      await runtime.stop();
    }
  });

  it('refuses requests without the token (401) when one is configured, and accepts the right one', async () => {
    const { runtime, adminUrl } = await node('admin: { port: 0, token: "${ADMIN_TOKEN}" }');
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Basic ${TOKEN}` }]) {
        const refused = await fetch(`${adminUrl}/metrics`, { headers });
        expect(refused.status, JSON.stringify(headers)).to.equal(401);
        expect(await refused.text()).to.not.include('callrelay_');
      }
      expect((await fetch(`${adminUrl}/readyz`)).status).to.equal(401);
      const accepted = await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(accepted.status).to.equal(200);
      expect(await accepted.text()).to.include('callrelay_webhooks_received_total');
    } finally {
      await runtime.stop();
    }
  });

  it('without admin: no admin listener, and no metrics anywhere', async () => {
    const { runtime, url } = await node('');
    try {
      expect(runtime.adminAddress).to.equal(undefined);
      expect((await fetch(`${url}/metrics`)).status).to.equal(404);
    } finally {
      await runtime.stop();
    }
  });

  it('a non-loopback address without a token is refused at validation', async () => {
    const err = await parseConfig('admin: { host: 0.0.0.0 }\n', { file: 'admin.yaml', registry: await bundledRegistry(), env: {}, baseDir: '/tmp' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => [i.path, i.message])).to.deep.equal([['admin.token', 'the admin listener binds a non-loopback address: set admin.token, or bind it to 127.0.0.1']]);
    const short = await parseConfig('admin: { token: "${T}" }\n', { file: 'admin.yaml', registry: await bundledRegistry(), env: { T: 'short' }, baseDir: '/tmp' }).then(() => undefined, (e: unknown) => e);
    expect((short as ConfigError).issues.map((i) => i.path)).to.deep.equal(['admin.token']);
    // The token is a secret: its value is not shown in the error.
    expect(JSON.stringify((short as ConfigError).issues)).to.not.include('short');
  });
});
