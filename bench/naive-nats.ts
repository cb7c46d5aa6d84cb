// Baseline for NATS mode: koa reading the same body, publishing it to a JetStream stream and
// answering 200 once the PubAck came back, one publish awaited per request (no batching).
import http from 'node:http';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';

const prefix = process.env.NAIVE_PREFIX ?? `naive${Date.now()}`;
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
await jsm.streams.add({ name: `${prefix}_EVENTS`, subjects: [`${prefix}.events.>`] });
const js = jetstream(nc);
let n = 0;
const app = new Koa();
app.use(async (ctx) => {
  const raw = await getRawBody(ctx.req, { limit: '1mb' });
  const body = JSON.parse(raw.toString('utf8')) as { call_sid?: string };
  await js.publish(`${prefix}.events.${++n}`, raw, { msgID: body.call_sid });
  ctx.body = { ok: true, id: body.call_sid };
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`callrelay listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(async () => {
  await jsm.streams.delete(`${prefix}_EVENTS`).catch(() => undefined);
  await nc.close();
  process.exit(0);
}));
