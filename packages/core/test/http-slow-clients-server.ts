/*
 * An ingest server in a process of its own, so that http-slow-clients.test.ts measures the memory
 * of the server alone. Two jambonz sources: `signed` (a webhook secret: the body must be read to
 * verify it) and `basic` (Basic auth: verified from the headers). Settings come as JSON in argv[2].
 * Answers `memory` messages with the process's memory after a full garbage collection.
 */
import { pino } from 'pino';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { MemoryStore, testContext } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';

const settings = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const create = (auth: unknown) => jambonz.create(jambonz.config.parse({ auth }) as never, testContext());
const server = new IngestServer(
  [
    { id: 'signed', route: '/hooks/signed', platform: 'jambonz', source: await create({ webhookSecret: 'wh_secret' }) },
    { id: 'basic', route: '/hooks/basic', platform: 'jambonz', source: await create({ basic: { username: 'jambonz', password: 's3cret' } }) },
  ],
  { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false, ...settings },
  { store: new MemoryStore(), metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) },
);
const { port } = await server.listen();
const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (message) => {
  if (message !== 'memory') return;
  gc?.();
  gc?.();
  const { rss, arrayBuffers } = process.memoryUsage();
  process.send!({ rss, arrayBuffers });
});
process.on('disconnect', () => process.exit(0));
process.send!({ port });
