import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { DestinationBehaviour } from '@callrelay/testkit';

/** A canned answer: status, headers, body. */
export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A request as the receiver saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks`
 * package, knowing only the secrets it was given (none: it accepts unsigned requests), and then
 * answers as told. A request that fails verification is answered 401 and recorded apart. It
 * counts the TCP connections it accepts and the requests it holds at once.
 */
export class VerifyingReceiver {
  /** Answers that override {@link behaviour} for some requests (one failing receiver response in a batch). */
  answerFor?: (request: ReceivedRequest) => CannedAnswer | undefined;
  /** Holds each answer this long, so that concurrent requests overlap. */
  answerDelayMs = 0;
  /** Requests that verified and were answered 2xx. */
  readonly accepted: ReceivedRequest[] = [];
  /** Every request that verified, whatever the answer. */
  readonly requests: ReceivedRequest[] = [];
  readonly verificationErrors: string[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  /** The most requests received and not yet answered at one time. */
  maxInFlight = 0;
  url = '';
  private inFlight = 0;
  private current: DestinationBehaviour | CannedAnswer | 'hang' = 'ok';
  /** With `{ acceptFirst }`: how many more requests are accepted before failing. */
  private acceptBudget = 0;
  private readonly server: http.Server;

  constructor(private readonly secrets: string[] = []) {
    this.server = http.createServer((req, res) => {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => { this.inFlight -= 1; });
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (this.answerDelayMs > 0) setTimeout(() => this.answer(req, body, res), this.answerDelayMs);
        else this.answer(req, body, res);
      });
    });
    this.server.on('connection', () => { this.connections += 1; });
  }

  /** How the requests that follow are answered; `{ acceptFirst: n }` accepts n, then answers 503. */
  get behaviour(): DestinationBehaviour | CannedAnswer | 'hang' {
    return this.current;
  }

  set behaviour(behaviour: DestinationBehaviour | CannedAnswer | 'hang') {
    this.current = behaviour;
    if (typeof behaviour === 'object' && 'acceptFirst' in behaviour) this.acceptBudget = behaviour.acceptFirst;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/in`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const request: ReceivedRequest = { method: req.method!, path: req.url!, headers: req.headers, body };
    if (this.secrets.length && !this.verifies(body, req.headers)) {
      this.verificationErrors.push(body);
      res.writeHead(401).end('invalid signature');
      return;
    }
    this.requests.push(request);
    const answer = this.answerFor?.(request) ?? this.cannedAnswer();
    if (answer === 'hang') return; // never answers: the sender's signal must end the attempt
    if (answer.status >= 200 && answer.status < 300) this.accepted.push(request);
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  private verifies(body: string, headers: http.IncomingHttpHeaders): boolean {
    const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    return this.secrets.some((secret) => {
      try {
        // jsonParse: false, or verify() also throws for a valid signature over a non-JSON (template) body.
        new Webhook(secret).verify(body, flat, { jsonParse: false });
        return true;
      } catch {
        return false;
      }
    });
  }

  private cannedAnswer(): CannedAnswer | 'hang' {
    const b = this.behaviour;
    if (b === 'hang') return b;
    if (b === 'ok') return { status: 204 };
    if (b === 'retryable') return { status: 503, body: 'down for maintenance' };
    if (b === 'permanent') return { status: 410, body: 'this endpoint is gone' };
    if ('retryAfterSec' in b) return { status: 429, headers: { 'retry-after': String(b.retryAfterSec) }, body: 'slow down' };
    if ('acceptFirst' in b) {
      if (this.acceptBudget <= 0) return { status: 503, body: 'overloaded' };
      this.acceptBudget -= 1;
      return { status: 204 };
    }
    return b;
  }
}
