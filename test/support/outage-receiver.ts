import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook destination that can fail the way real ones do: answer 503 for a while, or go away
 * altogether (connections refused), then come back on the same address.
 */
export class OutageReceiver {
  readonly received: { body: string; headers: http.IncomingHttpHeaders; at: number; status: number }[] = [];
  /** 'up': 200; 'unavailable': 503 with Retry-After: 1. */
  mode: 'up' | 'unavailable' = 'up';
  url = '';
  private port = 0;
  private server?: http.Server;

  private listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.mode === 'up' ? 200 : 503;
        this.received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers, at: Date.now(), status });
        res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end(status === 200 ? 'ok' : 'down for maintenance');
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async start(): Promise<string> {
    await this.listen();
    this.port = (this.server!.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/hook`;
    return this.url;
  }

  /** Stops listening and drops open connections: connections are refused until {@link comeBack}. */
  async goDown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Listens again on the same port, answering as `mode` says. */
  async comeBack(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Bodies of the requests answered 200. */
  delivered(): { body: string }[] {
    return this.received.filter((r) => r.status === 200);
  }

  stop(): Promise<void> {
    return this.goDown();
  }
}
