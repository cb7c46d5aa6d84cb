import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { AdminServer, type ResolvedConfig } from '@callrelay/core/host';
import { MemoryStore, contractEvent } from '@callrelay/testkit';
import { mountAdminApi } from '../src/http/admin-api/routes.js';

/**
 * The admin API on a store without the console's optional methods (the memory store, like NATS):
 * calls answer 501 with what is needed; sinks and dead letters work from the base contract.
 */
describe('admin API on a store without listCalls (as NATS)', () => {
  const store = new MemoryStore();
  const delivery = { concurrency: 1, maxAttempts: 3, initialBackoffMs: 1000, maxBackoffMs: 4000, timeoutMs: 1000, batchSize: 1 };
  const config = {
    sinks: [{ id: 'crm', definition: { type: 'webhook' }, delivery, options: {} }],
    pipelines: [{ id: 'p', from: ['pbx'], transforms: [], to: ['crm'] }],
    secretValues: ['s3cr3t-value'],
  } as unknown as ResolvedConfig;
  const server = new AdminServer({ host: '127.0.0.1', port: 0 }, { metrics: new Registry(), logger: pino({ level: 'silent' }), readiness: () => ({ ready: true, status: 'ready' }) });
  let url: string;

  before(async () => {
    const letter = (id: string, failedAt: string, reason: string) => store.deadLetters.add({
      id, sinkId: 'crm', delivery: { sinkId: 'crm', pipeline: 'p', event: contractEvent() }, reason, attempts: 3, failedAt,
    });
    await letter('a', '2026-03-01T10:00:00.000Z', 'first');
    await letter('b', '2026-03-02T10:00:00.000Z', 'answered 500 with s3cr3t-value');
    mountAdminApi(server, { store, config: () => config, metrics: new Registry(), version: 'test' });
    const address = await server.listen();
    url = `http://127.0.0.1:${address.port}`;
  });
  after(() => server.close());

  it('answers 501 for calls, naming the SQLite store', async () => {
    for (const path of ['/api/calls', '/api/calls/pbx/c1']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).to.equal(501);
      expect((await res.json() as { error: string }).error, path).to.include('SQLite');
    }
  });

  it('reports sinks from the dead-letter list when the store has no summary, redacted, with the retry schedule', async () => {
    const res = await fetch(`${url}/api/sinks`);
    expect(res.status).to.equal(200);
    const { sinks } = await res.json() as { sinks: { id: string; type: string; deadLetters: number; lastError?: { reason: string }; retry: { waits: { afterAttempt: number; minMs: number; maxMs: number }[]; spanMs: { min: number; max: number } } }[] };
    expect(sinks).to.have.length(1);
    expect(sinks[0]).to.include({ id: 'crm', type: 'webhook', deadLetters: 2 });
    expect(sinks[0]!.lastError!.reason).to.equal('answered 500 with [redacted]');
    expect(sinks[0]!.retry.waits).to.deep.equal([{ afterAttempt: 1, minMs: 800, maxMs: 1000 }, { afterAttempt: 2, minMs: 1600, maxMs: 2000 }]);
    expect(sinks[0]!.retry.spanMs).to.deep.equal({ min: 2400, max: 3000 });
  });
});
