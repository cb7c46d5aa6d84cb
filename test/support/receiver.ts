import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP endpoint whose answers a test controls: counts, delays and failures on demand. */
export class TestReceiver {
  readonly received: { body: string; headers: http.IncomingHttpHeaders; at: number }[] = [];
  /** Requests answered 2xx. */
  delivered = 0;
  /** Decides the status of each request (after `delayMs`). */
  respond: (n: number) => number = () => 200;
  delayMs = 0;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers, at: Date.now() });
      const n = this.received.length;
      setTimeout(() => {
        const status = this.respond(n);
        if (status >= 200 && status < 300) this.delivered += 1;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : `failure ${status}`);
      }, this.delayMs);
    });
  });
  url = '';

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
