import Koa from 'koa';
import getRawBody from 'raw-body';
import { LoopbackServer } from './emulators/loopback.js';
import type { DestinationBehaviour } from './sink-contract.js';

/** One request the {@link WebhookReceiver} got, as it arrived. */
export interface ReceivedRequest {
  method: string;
  /** Path and query string (`/hooks/x?y=1`). */
  url: string;
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body as text (UTF-8). */
  body: string;
  /** The status the receiver answered with. */
  status: number;
}

/** What the {@link WebhookReceiver} answers to one request. */
export interface ReceiverAnswer {
  status: number;
  body: string;
  /** Response headers (`retry-after`, `content-type`...). */
  headers?: Record<string, string>;
}

/** How the {@link WebhookReceiver} answers; each default follows what most webhook endpoints do. */
export interface WebhookReceiverOptions {
  /**
   * Turns the answer the behaviour chose into the destination's own (its error bodies, a 202, a
   * refusal of a body it cannot read): an emulator of a service in a few lines. Called for every
   * request, with the request as received and the behaviour's answer; what it returns is sent and
   * recorded.
   */
  respond?(request: Omit<ReceivedRequest, 'status'>, answer: ReceiverAnswer): ReceiverAnswer;
  /** Loopback address to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** Status of an accepted request; default 200 (Microsoft's Workflows answer 202, for example). */
  okStatus?: number;
  /** Body of an accepted request; default empty. */
  okBody?: string;
  /** Status for `'retryable'`; default 503. */
  retryableStatus?: number;
  /** Status for `'permanent'`; default 410 (a webhook URL that was deleted). */
  permanentStatus?: number;
  /** Status for `{ retryAfterSec }`; default 429 (sent with `Retry-After`). */
  retryAfterStatus?: number;
}

/**
 * A loopback HTTP endpoint that stands in for the destination of an HTTP sink in tests: it answers
 * each request the way the current {@link DestinationBehaviour} says (the behaviours of
 * {@link runSinkContract}) and records every request. `receiverSinkHarness` wires one into a sink's
 * contract test; by hand it reads:
 *
 * ```ts
 * const receiver = new WebhookReceiver();
 * runSinkContract('my-sink', {
 *   create: async () => mySink.create(mySink.config.parse({ url: `${await receiver.start()}/hook` }), testContext()),
 *   setBehaviour: (b) => receiver.behave(b),
 *   received: () => receiver.accepted.length,
 *   cleanup: () => receiver.stop(),
 * });
 * ```
 *
 * Any method and path are accepted; bodies are read whole (up to 5 MB) before answering.
 */
export class WebhookReceiver {
  /** Every request received, in order, whatever the answer. */
  readonly requests: ReceivedRequest[] = [];
  private behaviour: DestinationBehaviour = 'ok';
  private readonly server: LoopbackServer;

  constructor(private readonly options: WebhookReceiverOptions = {}) {
    const app = new Koa();
    app.use(async (ctx) => {
      const request = { method: ctx.method, url: ctx.url, headers: { ...ctx.req.headers }, body: await getRawBody(ctx.req, { limit: '5mb', encoding: 'utf8' }) };
      const chosen = this.answer();
      const answer = options.respond ? options.respond(request, chosen) : chosen;
      ctx.status = answer.status;
      // Headers before the body: koa keeps a content-type that is already set.
      for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
      ctx.body = answer.body;
      this.requests.push({ ...request, status: answer.status });
    });
    this.server = new LoopbackServer(app, 'WebhookReceiver', { host: options.host, port: options.port });
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  start(): Promise<string> {
    return this.server.start();
  }

  /** Stops listening and closes open connections. Safe to call twice. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The base URL; throws before {@link start}. */
  get url(): string {
    return this.server.url;
  }

  /** Makes the requests that follow be answered the way named (see {@link DestinationBehaviour}). */
  behave(behaviour: DestinationBehaviour): void {
    this.behaviour = typeof behaviour === 'object' ? { ...behaviour } : behaviour;
  }

  /** The requests answered with a 2xx, in order. */
  get accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Forgets the recorded requests (the behaviour stays). */
  clear(): void {
    this.requests.length = 0;
  }

  private answer(): ReceiverAnswer {
    const ok = { status: this.options.okStatus ?? 200, body: this.options.okBody ?? '' };
    const b = this.behaviour;
    if (b === 'ok') return ok;
    if (b === 'retryable') return { status: this.options.retryableStatus ?? 503, body: 'unavailable' };
    if (b === 'permanent') return { status: this.options.permanentStatus ?? 410, body: 'gone' };
    if ('retryAfterSec' in b) return { status: this.options.retryAfterStatus ?? 429, body: 'slow down', headers: { 'retry-after': String(b.retryAfterSec) } };
    if (b.acceptFirst > 0) {
      b.acceptFirst -= 1;
      return ok;
    }
    return { status: this.options.retryableStatus ?? 503, body: 'unavailable' };
  }
}
