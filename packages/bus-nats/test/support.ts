import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, it, type Suite } from 'mocha';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamsOf } from '../src/names.js';

/** The server the tests run against. */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function probe(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 1500, maxReconnectAttempts: 0 });
    try {
      await jetstreamManager(nc, { timeout: 1500 });
      return true;
    } finally {
      await nc.close();
    }
  } catch {
    return false;
  }
}

/** Probed once per test run, at load time. */
export const natsReachable = await probe();

/**
 * Declares tests that need NATS. Without a server they are skipped with a warning; in CI
 * (`CI=true`) they fail instead, so a broken CI setup cannot pass by skipping them.
 */
export function describeWithNats(title: string, body: (this: Suite) => void): void {
  if (natsReachable) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    if (process.env.CI === 'true') {
      it('needs a NATS server', () => {
        throw new Error(`NATS not reachable at ${NATS_URL}; CI must run these`);
      });
    } else {
      it('needs a NATS server', function () {
        console.warn(`[bus-nats] NATS not reachable at ${NATS_URL} (set NATS_URL): skipping "${title}"`);
        this.skip();
      });
    }
  });
}

/** A prefix no other test run uses. */
export function uniquePrefix(label: string): string {
  return `t${label}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Deletes every stream (and so every consumer and bucket) of a test prefix. */
export async function destroyPrefix(prefix: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, timeout: 2000 });
  try {
    const jsm = await jetstreamManager(nc);
    for (const name of streamsOf(prefix)) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/**
 * A TCP relay in front of the NATS server: `cut()` drops every connection and stops listening
 * (NATS unreachable for clients connected through it), `restore()` listens again on the same port;
 * `mute()` keeps the connections open but stops passing the server's answers on (a server that
 * reads and never answers), `unmute()` passes them on again.
 */
export class TcpRelay {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly links = new Set<{ client: net.Socket; upstream: net.Socket }>();
  port = 0;

  constructor(private readonly target: { host: string; port: number } = parseUrl(NATS_URL)) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      const link = { client, upstream };
      this.links.add(link);
      client.on('close', () => this.links.delete(link));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server?.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  restore(): Promise<this> {
    return this.start();
  }

  mute(): void {
    for (const { client, upstream } of this.links) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  unmute(): void {
    for (const { client, upstream } of this.links) upstream.pipe(client);
  }
}

function parseUrl(url: string): { host: string; port: number } {
  const u = new URL(url.replace(/^nats:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 4222) };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
