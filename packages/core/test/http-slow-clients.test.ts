import { describe, it, afterEach } from 'mocha';
import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./http-slow-clients-server.ts', import.meta.url));
const MB = 1024 * 1024;
const CONNECTIONS = 400;
// Each client announces a 1 MB body, sends half of it, and stalls.
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const CHUNKS_SENT = 8;

interface Memory { rss: number; arrayBuffers: number }

/** The ingest server in a child process (its memory measured alone), with the given settings. */
async function startServer(settings: Record<string, unknown>) {
  const child = fork(SERVER, [JSON.stringify(settings)], { execArgv: ['--expose-gc', '--conditions=callrelay-source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  const memory = () => new Promise<Memory>((resolve) => {
    child.once('message', (message) => resolve(message as Memory));
    child.send('memory');
  });
  return { child, port, memory };
}

/** Opens `count` slow uploads; resolves when all are closed (with what each received) or at `deadlineMs`. */
function slowUploads(port: number, route: string, count: number, headers: string, deadlineMs: number, onTick: () => Promise<void>) {
  const answers: string[] = [];
  let closed = 0;
  let lastClose = 0;
  for (let i = 0; i < count; i++) {
    const socket = createConnection(port, '127.0.0.1', () => {
      socket.write(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${headers}Content-Length: ${MB}\r\n\r\n`);
      for (let k = 0; k < CHUNKS_SENT; k++) socket.write(CHUNK);
    });
    let text = '';
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('error', () => {});
    socket.on('close', () => { closed++; lastClose = Date.now(); answers.push(text.split('\r\n')[0] ?? ''); });
  }
  const started = Date.now();
  return new Promise<{ closed: number; answers: string[]; ms: number }>((resolve) => {
    const tick = async () => {
      await onTick();
      if (closed === count || Date.now() - started > deadlineMs) resolve({ closed, answers, ms: (closed === count ? lastClose : Date.now()) - started });
      else setTimeout(tick, 250);
    };
    void tick();
  });
}

describe('http: slow clients cannot pin memory (issue 12 item 3)', function () {
  this.timeout(60_000);
  let child: ChildProcess | undefined;
  afterEach(() => { child?.kill(); child = undefined; });

  it(`${CONNECTIONS} slow uploads are cut after requestTimeoutMs, at most concurrencyPerSource bodies are held meanwhile, and memory comes back`, async () => {
    const server = await startServer({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 });
    child = server.child;
    const baseline = await server.memory();
    let peak = baseline.rss;
    const result = await slowUploads(server.port, '/hooks/signed', CONNECTIONS, 'Jambonz-Signature: t=1,v1=00\r\n', 15_000, async () => {
      peak = Math.max(peak, (await server.memory()).rss);
    });
    const after = await server.memory();
    const summary = `baseline ${Math.round(baseline.rss / MB)} MB, peak ${Math.round(peak / MB)} MB, after ${Math.round(after.rss / MB)} MB; closed ${result.closed} in ${result.ms} ms`;
    expect(result.closed, summary).to.equal(CONNECTIONS);
    // Cut by the request timeout (408), or refused at once over the per-source limit (503).
    expect(new Set(result.answers.map((line) => line.slice(0, 12))), summary).to.satisfy((lines: Set<string>) => [...lines].every((l) => l === 'HTTP/1.1 408' || l === 'HTTP/1.1 503'));
    // 64 bodies of 512 kB read at most, plus connections and buffers: far from 400 × 512 kB.
    expect(peak - baseline.rss, summary).to.be.below(150 * MB);
    expect(after.rss - baseline.rss, summary).to.be.below(150 * MB);
    expect(after.arrayBuffers - baseline.arrayBuffers, `${summary}: body buffers released`).to.be.below(8 * MB);
  });

  it(`${CONNECTIONS} clients without credentials are answered 401 from their headers, their bodies never read`, async () => {
    // The default timeouts (5 s, 10 s): a 401 can only come from the headers, the body never completes.
    const server = await startServer({ authFailureLimit: false });
    child = server.child;
    const baseline = await server.memory();
    let peak = baseline.rss;
    const result = await slowUploads(server.port, '/hooks/basic', CONNECTIONS, 'Authorization: Basic Z3Vlc3M6Z3Vlc3M=\r\n', 15_000, async () => {
      peak = Math.max(peak, (await server.memory()).rss);
    });
    const summary = `baseline ${Math.round(baseline.rss / MB)} MB, peak ${Math.round(peak / MB)} MB; closed ${result.closed} in ${result.ms} ms`;
    expect(result.closed, summary).to.equal(CONNECTIONS);
    expect(new Set(result.answers.map((line) => line.slice(0, 12))), summary).to.deep.equal(new Set(['HTTP/1.1 401']));
    // No time bound: a server that waited for a timeout would have answered 408, not 401 (above).
    expect(peak - baseline.rss, summary).to.be.below(100 * MB);
  });
});
