/**
 * Benchmark (a harness, not a test): loads (a) a bare koa server that parses the same JSON and
 * answers 200, (b) callrelay running the quickstart pipeline with durable acknowledgement (SQLite,
 * synchronous=full, group commit), then measures (c) end to end: N webhooks in as fast as 50
 * connections send them, and the time until the last one is a row in the CSV file (fsynced), and
 * (d) the node's peak RSS over the whole run; for SQLite and NATS, and for NATS also (a') a naive koa
 * handler that publishes each webhook to JetStream and awaits its PubAck. Prints throughput, p50/p99
 * and the ratios of the pairs measured in the same run, and the CPU time the server process used
 * per request (from /proc): on a machine shared with other work the rates swing with the
 * neighbours' load, the CPU spent per webhook much less.
 *
 *   npm run bench                       # SQLite and NATS, 50 connections, 10 s each
 *   BENCH_STORE=sqlite npm run bench    # one store only (sqlite or nats)
 *   BENCH_DURATION=20 BENCH_CONNECTIONS=100 npm run bench
 *   BENCH_EVENTS=100000 npm run bench   # (c) with 100k webhooks (default 30k)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
let naiveNats: number | undefined;
const auth = `Basic ${Buffer.from('jambonz:quickstart').toString('base64')}`;
const sample = {
  call_sid: '', call_id: 'bench', application_sid: '72c5c38f-9bba-40ce-aa83-aaa6be55e1b5', account_sid: 'bad98250-b34d-459d-9e90-f97dfb9bc519',
  direction: 'inbound', from: '+12125551212', to: '+14155551234', caller_name: 'John Doe', sip_status: 100, sip_reason: 'Trying', call_status: 'trying',
};

function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;
/** CPU time (user + system, ms) the process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

async function load(name: string, url: string, pid: number) {
  // Warm-up, then the measured run. Every request is a distinct call, so nothing is deduplicated.
  const run = (seconds: number) => autocannon({
    url, connections, duration: seconds, method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ ...sample, call_sid: randomUUID() }) }) }],
  });
  await run(2);
  const cpu0 = cpuMs(pid);
  const result = await run(duration);
  const ok = result['2xx'];
  const summary = {
    name, requestsPerSec: Math.round(result.requests.average), p50ms: result.latency.p50, p99ms: result.latency.p99,
    cpuMsPerRequest: Number(((cpuMs(pid) - cpu0) / Math.max(1, ok)).toFixed(3)),
    ok2xx: ok, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
  };
  console.log(JSON.stringify(summary));
  return summary;
}

const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-bench-'));
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const natsPrefix = `bench${Date.now()}`;
const stores = (process.env.BENCH_STORE ?? 'sqlite,nats').split(',').map((s) => s.trim()).filter(Boolean);
const events = Number(process.env.BENCH_EVENTS ?? 30_000);

const bare = await start(['--import', 'tsx', 'bench/bare-koa.ts'], {});
const a = await load('bare koa (parse JSON, 200)', `${bare.url}/hooks/jambonz`, bare.child.pid!);
await stop(bare.child);

const lines: string[] = [`(a) ${a.name}: ${a.requestsPerSec} req/s, p50 ${a.p50ms} ms, p99 ${a.p99ms} ms, CPU ${a.cpuMsPerRequest} ms/request`];
for (const store of stores) {
  const storeLine = store === 'nats'
    ? `store: { type: nats, servers: ["${natsUrl}"], prefix: "${natsPrefix}${store}" }`
    : `store: { type: sqlite, path: "${path.join(dir, `${store}.db`)}" }`;
  if (store === 'nats') {
    const naive = await start(['--import', 'tsx', 'bench/naive-nats.ts'], { NAIVE_PREFIX: `${natsPrefix}naive` });
    const n = await load('naive koa + JetStream publish awaited per request', `${naive.url}/hooks/jambonz`, naive.child.pid!);
    await stop(naive.child);
    lines.push(`(a') ${n.name}: ${n.requestsPerSec} req/s, p50 ${n.p50ms} ms, p99 ${n.p99ms} ms, CPU ${n.cpuMsPerRequest} ms/request`);
    naiveNats = n.requestsPerSec;
  }
  // (b) ingest with durable acknowledgement, the quickstart pipeline (CSV + console sinks).
  const bConfig = writeConfig(`${store}-b`, storeLine, ['  console: { type: console }'], ['calls-csv', 'console']);
  const relay = await start([path.join(root, 'packages/cli/dist/bin.js'), 'run', bConfig], { LOG_LEVEL: 'warn' });
  const b = await load(`callrelay quickstart pipeline (${store}, durable ack)`, `${relay.url}/hooks/jambonz`, relay.child.pid!);
  await stop(relay.child);
  const ratio = store === 'nats' && naiveNats ? ` | vs naive NATS handler: ${(b.requestsPerSec / naiveNats).toFixed(2)}` : '';
  lines.push(`(b) ${b.name}: ${b.requestsPerSec} req/s, p50 ${b.p50ms} ms, p99 ${b.p99ms} ms, CPU ${b.cpuMsPerRequest} ms/request, non-2xx ${b.non2xx} | ratio b/a: ${(b.requestsPerSec / a.requestsPerSec).toFixed(2)}${ratio}`);
  // (c) end to end, (d) peak RSS, on a fresh node.
  const c = await endToEnd(store, storeLine);
  lines.push(`(c) end to end (${store}): ${c.accepted} webhooks in ${c.ingestSeconds.toFixed(1)} s (${c.ingestPerSec}/s), last CSV row after ${c.e2eSeconds.toFixed(1)} s: ${c.endToEndPerSec} events/s end to end, backlog ${c.backlogSeconds.toFixed(1)} s; node CPU ${c.cpuMsPerEvent} ms/event (${Math.round(1000 / c.cpuMsPerEvent)} events/s per core)`);
  lines.push(`(d) peak RSS of the node (${store}): ${c.peakRssMb} MB`);
}
if (stores.includes('nats')) await deleteNatsStreams(natsPrefix);

console.log(`\nconnections ${connections}, ${duration} s per run (b), ${events} webhooks (c), node ${process.version}`);
for (const line of lines) console.log(line);

function writeConfig(name: string, storeLine: string, extraSinks: string[], to: string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, [
    'server: { port: 0, concurrencyPerSource: 1024 }',
    storeLine,
    'sources:', '  jambonz: { type: jambonz, auth: { basic: { username: jambonz, password: quickstart } } }',
    'sinks:', `  calls-csv: { type: csv, path: "${path.join(dir, `${name}.csv`)}", columns: [id, type, callId] }`, ...extraSinks,
    'tracker: { settleMs: 1000 }',
    'pipelines:', `  all: { from: [jambonz], to: [${to.join(', ')}] }`, '',
  ].join('\n'));
  return file;
}

async function endToEnd(store: string, storeLine: string) {
  const name = `${store}-c`;
  const csv = path.join(dir, `${name}.csv`);
  const node = await start([path.join(root, 'packages/cli/dist/bin.js'), 'run', writeConfig(name, storeLine, [], ['calls-csv'])], { LOG_LEVEL: 'warn' });
  const peakRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${node.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const rowsIn = () => (existsSync(csv) ? countLines(csv) - 1 : 0);
  const cpu0 = cpuMs(node.child.pid!);
  const t0 = Date.now();
  const sent = await autocannon({
    url: `${node.url}/hooks/jambonz`, connections, amount: events, method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ ...sample, call_sid: randomUUID() }) }) }],
  });
  const ingestSeconds = (Date.now() - t0) / 1000;
  const accepted = sent['2xx'];
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const rows = rowsIn();
    if (rows >= accepted) break;
    if (rows !== last) { last = rows; lastChange = Date.now(); }
    if (Date.now() - lastChange > 30_000) { console.log(`(c) stalled at ${rows} of ${accepted} rows`); break; }
    await new Promise((r) => setTimeout(r, 50));
  }
  const e2eSeconds = (Date.now() - t0) / 1000;
  // Everything the node did for these webhooks: ingest, routing, tracking, delivery.
  const cpuMsPerEvent = Number(((cpuMs(node.child.pid!) - cpu0) / Math.max(1, accepted)).toFixed(3));
  const result = {
    cpuMsPerEvent,
    accepted, ingestPerSec: Math.round(accepted / ingestSeconds), endToEndPerSec: Math.round(rowsIn() / e2eSeconds),
    ingestSeconds, e2eSeconds, backlogSeconds: e2eSeconds - ingestSeconds, peakRssMb: Math.round(peakRss()), csvBytes: statSync(csv).size,
  };
  console.log(JSON.stringify({ name: `end to end (${store})`, ...result }));
  await stop(node.child);
  return result;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function deleteNatsStreams(prefix: string): Promise<void> {
  // Leave the NATS server as we found it: delete this run's streams (and their consumers and buckets).
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  for await (const name of jsm.streams.names()) if (name.toLowerCase().includes(prefix.toLowerCase())) await jsm.streams.delete(name);
  await nc.close();
}

function countLines(file: string): number {
  const data = readFileSync(file);
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n += 1;
  return n;
}
