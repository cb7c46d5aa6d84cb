import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, it, type Suite } from 'mocha';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function probe(url: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 1500, maxReconnectAttempts: 0 });
    try { await jetstreamManager(nc, { timeout: 1500 }); return true; } finally { await nc.close(); }
  } catch {
    return false;
  }
}

export const natsReachable = await probe(NATS_URL);

/** Tests that need NATS: skipped with a message when none answers, failed under CI=true. */
export function describeWithNats(title: string, body: (this: Suite) => void): void {
  if (natsReachable) return void describe(title, body);
  describe(title, () => {
    it('needs a NATS server with JetStream', function () {
      if (process.env.CI === 'true') throw new Error(`NATS not reachable at ${NATS_URL}; CI must run these tests`);
      console.warn(`      NATS not reachable at ${NATS_URL} (set NATS_URL): skipping "${title}"`);
      this.skip();
    });
  });
}

export const uniquePrefix = (label: string) => `e2e${label}${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** Deletes the streams (and their consumers and buckets) of a test prefix. */
export async function destroyPrefix(prefix: string, url = NATS_URL): Promise<void> {
  const nc = await connect({ servers: url, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.toLowerCase().includes(prefix.toLowerCase())) await jsm.streams.delete(name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}

const NATS_BIN = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** A private nats-server (JetStream, own store folder) that a test may stop and start again. */
export class PrivateNats {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'callrelay-nats-'));
  port = 0;
  static available = NATS_BIN !== undefined;

  get url(): string { return `nats://127.0.0.1:${this.port}`; }

  async start(): Promise<void> {
    if (!NATS_BIN) throw new Error('nats-server is not installed');
    if (!this.port) this.port = await freePort();
    this.child = spawn(NATS_BIN, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.dir], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (!(await probe(this.url))) {
      if (Date.now() > deadline) throw new Error(`private nats-server did not start on ${this.url}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
