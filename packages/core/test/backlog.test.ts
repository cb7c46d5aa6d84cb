import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { type Store } from '@callrelay/core';
import { AdminServer, IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { MemoryStore, contractEvent, testContext } from '@callrelay/testkit';
import { SqliteStore } from '@callrelay/store-sqlite';
import jambonz from '@callrelay/source-jambonz';
import { BacklogMonitor } from '../src/runtime/backlog-monitor.js';

/** Issue 11: when routing falls behind ingest, the lag is visible and bounded. */
describe('backlog: the pipeline falling behind is visible and bounded', () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => { for (const close of closers) await close(); });

  async function node(store: Store, maxEvents: number) {
    const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
    const source = await jambonz.create(jambonz.config.parse({ auth: 'none' }) as never, testContext());
    const server = new IngestServer([{ id: 'pbx', route: '/hooks/pbx', platform: 'jambonz', source }], { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
      { store, metrics, logger: pino({ level: 'silent' }) });
    const address = await server.listen();
    server.ready = true;
    closers.push(() => server.close());
    const monitor = new BacklogMonitor(store, ['csv'], { maxEvents, retryAfterSeconds: 7, warnLagSeconds: 30 }, { metrics, logger: pino({ level: 'silent' }), now: () => Date.now() });
    const url = `http://127.0.0.1:${address.port}`;
    const post = (i: number) => fetch(`${url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: `c${i}`, call_status: 'trying' }) });
    const check = async () => { server.backlog = await monitor.check(); };
    // The admin listener serves the detail; the public port only the status.
    const admin = new AdminServer({ host: '127.0.0.1', port: 0 }, { metrics: metrics.registry, logger: pino({ level: 'silent' }), readiness: () => server.readiness() });
    const adminAddress = await admin.listen();
    closers.push(() => admin.close());
    return { url, adminUrl: `http://127.0.0.1:${adminAddress.port}`, post, check, metrics };
  }

  it('answers 503 + Retry-After past backlog.maxEvents, says so on /readyz, and accepts again once routing caught up', async () => {
    const store = new MemoryStore();
    const { url, adminUrl, post, check, metrics } = await node(store, 100);
    for (let i = 0; i < 120; i++) expect((await post(i)).status).to.equal(200);
    await check();
    const refused = await post(999);
    expect(refused.status).to.equal(503);
    expect(refused.headers.get('retry-after')).to.equal('7');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).to.equal(503);
    expect(await ready.json()).to.deep.equal({ status: 'overloaded' });
    const detail = await fetch(`${adminUrl}/readyz`);
    expect(detail.status).to.equal(503);
    expect(await detail.json()).to.deep.include({ status: 'overloaded', backlog: { routing: 120, routingLagSeconds: 0, timers: 0, sinks: { csv: 0 } } });
    expect(await metrics.registry.getSingleMetricAsString('callrelay_queue_depth')).to.match(/queue="routing"} 120/);
    // Routing catches up.
    for (const lease of await store.routing.claim(1000, { leaseMs: 1000, waitMs: 0 })) await store.routing.ack(lease);
    await check();
    expect((await post(1000)).status).to.equal(200);
    expect((await fetch(`${url}/readyz`)).status).to.equal(200);
    expect((await fetch(`${adminUrl}/readyz`)).status).to.equal(200);
  });

  it('a sink that is down does not stop ingestion: its queue is reported, webhooks still accepted', async () => {
    const store = new MemoryStore();
    const { post, check } = await node(store, 100);
    await store.deliveries('csv').enqueue(Array.from({ length: 500 }, (_, i) => ({ id: `d${i}`, payload: { sinkId: 'csv', pipeline: 'p', event: contractEvent() } })));
    await check();
    expect((await post(1)).status).to.equal(200);
  });

  it('reports the routing lag: the age of the oldest event waiting (SQLite)', async () => {
    const store = await SqliteStore.open({ path: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-lag-')), 'store.db') });
    closers.push(() => store.close());
    const { check, metrics } = await node(store, 100_000);
    await store.append([contractEvent()]);
    await new Promise((r) => setTimeout(r, 1200));
    await check();
    const lag = Number(/^callrelay_routing_lag_seconds (\S+)$/m.exec(await metrics.registry.getSingleMetricAsString('callrelay_routing_lag_seconds'))?.[1]);
    expect(lag).to.be.within(1, 5);
  });
});
