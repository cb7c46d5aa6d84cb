import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP endpoint that accepts every connection, reads the request and never answers: the worst
 * destination a sink can have (no error, no timeout of its own, the socket open until closed).
 */
export class HangingReceiver {
  readonly requests: { headers: http.IncomingHttpHeaders; body: string; at: number }[] = [];
  url = '';
  private readonly server = http.createServer((req) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() }));
    // No answer, ever: the request stays open until the client gives up or stop() closes it.
  });

  async start(): Promise<string> {
    // Node's own request timeout would answer 408 after a while: this server must not answer at all.
    this.server.requestTimeout = 0;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this.url;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
