import type { Clock } from '../plugin/tokens.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { IncomingWebhook } from '../plugin/source.js';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { serverSchema } from '../config/schema.js';
import { ingestWebhook, refuseByHeaders, type IngestAnswer, type IngestDeps, type MountedSource } from './ingest.js';
import { ClientAddressResolver, type ClientOrigin } from './client-address.js';
import { AuthFailureLimit } from './auth-failure-limit.js';
import { SourceSlots } from './source-slots.js';

type ServerSettings = z.output<typeof serverSchema>;

/** The `server` settings (docs/configuration.md); those left out take the schema's defaults. */
export type IngestServerOptions = Pick<ServerSettings, 'host' | 'port' | 'bodyLimit' | 'trustProxy'> & Partial<ServerSettings>;

const DEFAULTS: ServerSettings = serverSchema.parse({});
const NO_BODY = Buffer.alloc(0);
// Seconds a platform is asked to wait when a source has too many requests in progress.
const BUSY_RETRY_AFTER_SECONDS = 2;
// Dropped connections are logged at most this often.
const DROP_LOG_INTERVAL_MS = 60_000;

/**
 * The public HTTP face of callrelay: one route per source, `/healthz` and a minimal `/readyz`.
 * Everything about a webhook's meaning lives in {@link ingestWebhook}; this file speaks HTTP and
 * keeps clients from holding the server's memory: short header and request timeouts, a cap on
 * connections, a cap on requests in progress per source, credentials in headers checked before the
 * body is read, and a limit on failed authentications per client address.
 */
export class IngestServer {
  private readonly app = new Koa();
  private server?: http.Server;
  private accepting = false;
  private readonly settings: ServerSettings;
  private readonly clients: ClientAddressResolver;
  private readonly authFailures?: AuthFailureLimit;
  private readonly slots: SourceSlots;
  private readonly ingestDeps: IngestDeps;
  private sourceRoutes: Koa.Middleware;
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  /** Set by the runtime: whether everything behind the routes is up. */
  ready = false;
  /**
   * Set by the runtime's backlog monitor: while the pipeline is past `backlog.maxEvents`, webhooks
   * get 503 + Retry-After and `/readyz` says `overloaded` with the detail.
   */
  backlog: { overloaded: boolean; retryAfterSec: number; detail: unknown } = { overloaded: false, retryAfterSec: 5, detail: {} };

  constructor(
    sources: readonly MountedSource[],
    options: IngestServerOptions,
    private readonly deps: { store: Pick<Store, 'append'>; metrics: RuntimeMetrics; logger: Logger; clock?: Clock },
  ) {
    this.settings = { ...DEFAULTS, ...stripUndefined(options) };
    this.clients = new ClientAddressResolver(this.settings.trustProxy);
    if (this.settings.authFailureLimit) this.authFailures = new AuthFailureLimit(this.settings.authFailureLimit);
    this.slots = new SourceSlots(this.settings.concurrencyPerSource);
    this.ingestDeps = { ...deps, bodyLimits: { maxDepth: this.settings.maxBodyDepth, maxFields: this.settings.maxBodyFields } };
    // Koa's own proxy handling believes X-Forwarded-* from any peer; ClientAddressResolver decides.
    this.app.proxy = false;
    this.app.silent = true;
    const router = new Router();
    // Load balancers need no more than these two; metrics and the backlog's detail are on the
    // admin listener (admin-server.ts), which the public port never shows.
    router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
    router.get('/readyz', (ctx) => {
      const { ready, status } = this.readiness();
      ctx.status = ready ? 200 : 503;
      ctx.body = { status };
    });
    this.sourceRoutes = this.routesOf(sources);
    this.app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        deps.logger.error({ err, path: ctx.path }, 'unexpected error while handling a request');
        ctx.status = 500;
        ctx.body = { error: 'internal error' };
      }
    });
    this.app.use(router.routes());
    this.app.use(router.allowedMethods());
    // Looked up per request, so that a reload swaps the sources without a new listener.
    this.app.use((ctx, next) => this.sourceRoutes(ctx as never, next));
  }

  /** Whether the node takes webhooks, and why not (public `/readyz`; the admin one adds the detail). */
  readiness(): { ready: boolean; status: 'ready' | 'overloaded' | 'not ready'; backlog: unknown } {
    const ready = this.ready && this.accepting && !this.backlog.overloaded;
    return { ready, status: ready ? 'ready' : this.backlog.overloaded ? 'overloaded' : 'not ready', backlog: this.backlog.detail };
  }

  /**
   * Replaces the mounted sources (reload): requests that arrive from now on reach the new ones;
   * requests in progress finish with the source they started with.
   */
  mount(sources: readonly MountedSource[]): void {
    this.sourceRoutes = this.routesOf(sources);
  }

  private routesOf(sources: readonly MountedSource[]): Koa.Middleware {
    const { deps } = this;
    const router = new Router();
    for (const mounted of sources) {
      const methods = (mounted.source.methods ?? ['POST']).map((m) => m.toUpperCase());
      router.all(mounted.route, async (ctx) => {
        deps.metrics.webhooksReceived.inc({ source: mounted.id });
        if (!methods.includes(ctx.method)) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'method' });
          ctx.set('Allow', methods.join(', '));
          return this.answerUnread(ctx, { status: 405, body: { error: `method ${ctx.method} not allowed; use ${methods.join(' or ')}` } });
        }
        if (!this.accepting) {
          return this.answerUnread(ctx, { status: 503, body: { error: 'shutting down, retry later' }, headers: { 'retry-after': '5' } });
        }
        if (this.backlog.overloaded) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'backlog' });
          return this.answerUnread(ctx, { status: 503, body: { error: 'the pipeline is behind; retry later' }, headers: { 'retry-after': String(this.backlog.retryAfterSec) } });
        }
        const origin = this.clients.resolve(ctx.req);
        const wait = this.authFailures?.retryAfterSeconds(origin.address) ?? 0;
        if (wait > 0) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'rate_limited' });
          deps.logger.debug({ source: mounted.id, remote: origin.address, retryAfter: wait }, 'webhook refused: too many failed authentications from this address');
          return this.answerUnread(ctx, { status: 429, body: { error: 'too many failed authentications, retry later' }, headers: { 'retry-after': String(wait) } });
        }
        let head: IncomingWebhook;
        try {
          head = this.toWebhook(ctx, origin, NO_BODY);
        } catch (err) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'bad_request' });
          deps.logger.warn({ source: mounted.id, status: 400, reason: `unreadable request target: ${(err as Error).message}`, remote: origin.address }, 'webhook refused');
          return this.answerUnread(ctx, { status: 400, body: { error: 'bad request' } });
        }
        const refused = refuseByHeaders(mounted, head, this.ingestDeps);
        if (refused) {
          this.authFailed(origin.address, mounted.id);
          return this.answerUnread(ctx, refused);
        }
        if (!this.slots.acquire(mounted.id)) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'busy' });
          deps.logger.warn({ source: mounted.id, limit: this.settings.concurrencyPerSource }, 'webhook refused: the source has too many requests in progress (server.concurrencyPerSource)');
          return this.answerUnread(ctx, { status: 503, body: { error: 'busy, retry later' }, headers: { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } });
        }
        try {
          let rawBody: Buffer;
          try {
            rawBody = await getRawBody(ctx.req, { limit: this.settings.bodyLimit, length: ctx.get('content-length') || undefined });
          } catch (err) {
            const status = (err as { status?: number }).status ?? 400;
            const reason = status === 413 ? `body larger than the limit of ${this.settings.bodyLimit}` : `could not read the body: ${(err as Error).message}`;
            deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: status === 413 ? 'too_large' : 'bad_request' });
            deps.logger.warn({ source: mounted.id, status, reason, remote: origin.address }, 'webhook refused');
            // The rest of the body is not read: close the connection after answering.
            return this.answerUnread(ctx, { status, body: { error: status === 413 ? 'body too large' : 'bad request' } });
          }
          const answer = await ingestWebhook(mounted, { ...head, rawBody }, this.ingestDeps);
          if (answer.status === 401) this.authFailed(origin.address, mounted.id);
          this.answer(ctx, answer);
        } finally {
          this.slots.release(mounted.id);
        }
      });
    }
    const routes = router.routes() as unknown as Koa.Middleware;
    const allowed = router.allowedMethods() as unknown as Koa.Middleware;
    return (ctx, next) => routes(ctx, () => allowed(ctx, next));
  }

  private answer(ctx: Koa.Context, answer: IngestAnswer): void {
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    if (answer.contentType) ctx.type = answer.contentType;
    ctx.body = answer.body as Koa.Context['body'];
  }

  /**
   * Answers without reading the body; a body still on its way is not read (nor held): the
   * connection is closed after the answer.
   */
  private answerUnread(ctx: Koa.Context, answer: IngestAnswer): void {
    this.answer(ctx, answer);
    const length = ctx.get('content-length');
    if ((length && length !== '0') || ctx.get('transfer-encoding')) ctx.set('Connection', 'close');
  }

  private authFailed(address: string, sourceId: string): void {
    if (this.authFailures?.recordFailure(address)) {
      this.deps.logger.warn({ source: sourceId, remote: address, retryAfter: this.authFailures.retryAfterSeconds(address) }, 'too many failed authentications from this address: answering 429 until it may try again (server.authFailureLimit)');
    }
  }

  private toWebhook(ctx: Koa.Context, origin: ClientOrigin, rawBody: Buffer): IncomingWebhook {
    const { publicUrl } = this.settings;
    const host = origin.forwardedHost ?? (ctx.host || `${this.settings.host}:${this.settings.port}`);
    const base = publicUrl ?? `${origin.forwardedProto ?? ctx.protocol}://${host}`;
    const url = new URL(ctx.originalUrl, base.endsWith('/') ? base : `${base}/`);
    if (publicUrl) {
      // The public URL may carry a path prefix added by the proxy: keep it.
      const prefix = new URL(publicUrl).pathname.replace(/\/$/, '');
      url.pathname = `${prefix}${ctx.path}`;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(ctx.querystring)) query[k] = v;
    return {
      method: ctx.method,
      url: url.toString(),
      target: ctx.req.url ?? ctx.originalUrl,
      path: ctx.path,
      headers: ctx.headers as IncomingWebhook['headers'],
      query,
      rawBody,
      contentType: (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase(),
      remoteAddress: origin.address,
      // On the node's clock, so an embedder's (or `callrelay test`'s) fake clock dates the events.
      receivedAt: new Date(this.deps.clock?.now() ?? Date.now()),
    };
  }

  /** The bound address, once listening. */
  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    const { headersTimeoutMs, requestTimeoutMs, maxConnections } = this.settings;
    this.server = http.createServer({
      // Node's defaults (60 s for headers, 300 s for a request) let slow clients hold memory for minutes.
      headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
      requestTimeout: requestTimeoutMs,
      // Node checks both timeouts on this interval (default 30 s): check often enough to keep them.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
    }, this.app.callback());
    // Longer than the idle timeout of common load balancers (60 s), so they never reuse a closed connection.
    this.server.keepAliveTimeout = 65_000;
    this.server.maxConnections = maxConnections;
    this.server.on('drop', () => this.connectionDropped());
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.settings.port, this.settings.host, () => resolve());
    });
    this.accepting = true;
    return this.server.address() as AddressInfo;
  }

  private connectionDropped(): void {
    this.droppedSinceLog++;
    const now = Date.now();
    if (now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.deps.logger.warn({ dropped: this.droppedSinceLog, maxConnections: this.settings.maxConnections }, 'connections refused: server.maxConnections reached');
    this.lastDropLog = now;
    this.droppedSinceLog = 0;
  }

  /** Stops intake: new webhooks get 503, then the listener closes once open requests are answered. */
  async close(): Promise<void> {
    this.accepting = false;
    this.ready = false;
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
