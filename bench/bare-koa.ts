// Baseline for the ingest benchmark: koa reading the same body, parsing the JSON, answering 200.
import http from 'node:http';
import Koa from 'koa';
import getRawBody from 'raw-body';

const app = new Koa();
app.use(async (ctx) => {
  const raw = await getRawBody(ctx.req, { limit: '1mb' });
  const body = JSON.parse(raw.toString('utf8')) as { call_sid?: string };
  ctx.body = { ok: true, id: body.call_sid };
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stderr.write(`callrelay listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
