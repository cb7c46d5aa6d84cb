import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

/** The listening part every emulator shares: start on loopback (port 0 by default), stop, base URL. */
export class LoopbackServer {
  private server?: http.Server;
  private baseUrl?: string;

  constructor(private readonly app: Koa, private readonly name: string, private readonly options: { host?: string; port?: number } = {}) {}

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const server = http.createServer(this.app.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return this.baseUrl;
  }

  /** Stops listening and closes open connections. Safe to call twice. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The base URL; throws before {@link start}. */
  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name}: call start() first`);
    return this.baseUrl;
  }
}
