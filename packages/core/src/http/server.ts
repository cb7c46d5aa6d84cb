import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import getRawBody from 'raw-body';
import type { Logger } from 'pino';
import type { IncomingWebhook } from '../plugin/source.js';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { ingestWebhook, type MountedSource } from './ingest.js';

export interface IngestServerOptions {
  host: string;
  port: number;
  bodyLimit: string | number;
  publicUrl?: string;
  trustProxy: boolean;
}

/**
 * The HTTP face of callrelay: one route per source, `/healthz`, `/readyz` and `/metrics`.
 * Everything about a webhook's meaning lives in {@link ingestWebhook}; this file only speaks HTTP.
 */
export class IngestServer {
  private readonly app = new Koa();
  private server?: http.Server;
  private accepting = false;
  /** Set by the runtime: whether everything behind the routes is up. */
  ready = false;

  constructor(
    private readonly sources: readonly MountedSource[],
    private readonly options: IngestServerOptions,
    private readonly deps: { store: Store; metrics: RuntimeMetrics; logger: Logger },
  ) {
    this.app.proxy = options.trustProxy;
    this.app.silent = true;
    const router = new Router();
    router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
    router.get('/readyz', (ctx) => {
      ctx.status = this.ready && this.accepting ? 200 : 503;
      ctx.body = { status: ctx.status === 200 ? 'ready' : 'not ready' };
    });
    router.get('/metrics', async (ctx) => {
      ctx.type = deps.metrics.registry.contentType;
      ctx.body = await deps.metrics.registry.metrics();
    });
    for (const mounted of sources) {
      const methods = (mounted.source.methods ?? ['POST']).map((m) => m.toUpperCase());
      router.all(mounted.route, async (ctx) => {
        deps.metrics.webhooksReceived.inc({ source: mounted.id });
        if (!methods.includes(ctx.method)) {
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'method' });
          ctx.set('Allow', methods.join(', '));
          ctx.status = 405;
          ctx.body = { error: `method ${ctx.method} not allowed; use ${methods.join(' or ')}` };
          return;
        }
        if (!this.accepting) {
          ctx.status = 503;
          ctx.set('Retry-After', '5');
          ctx.body = { error: 'shutting down, retry later' };
          return;
        }
        let rawBody: Buffer;
        try {
          rawBody = await getRawBody(ctx.req, { limit: options.bodyLimit, length: ctx.get('content-length') || undefined });
        } catch (err) {
          const status = (err as { status?: number }).status ?? 400;
          const reason = status === 413 ? `body larger than the limit of ${options.bodyLimit}` : `could not read the body: ${(err as Error).message}`;
          deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: status === 413 ? 'too_large' : 'bad_request' });
          deps.logger.warn({ source: mounted.id, status, reason }, 'webhook refused');
          ctx.status = status;
          ctx.body = { error: reason };
          // The rest of an oversize body is not read: close the connection after answering.
          if (status === 413) ctx.set('Connection', 'close');
          return;
        }
        const answer = await ingestWebhook(mounted, this.toWebhook(ctx, rawBody), deps);
        ctx.status = answer.status;
        for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
        if (answer.contentType) ctx.type = answer.contentType;
        ctx.body = answer.body as Koa.Context['body'];
      });
    }
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
  }

  private toWebhook(ctx: Koa.Context, rawBody: Buffer): IncomingWebhook {
    const base = this.options.publicUrl ?? `${ctx.protocol}://${ctx.host || `${this.options.host}:${this.options.port}`}`;
    const url = new URL(ctx.originalUrl, base.endsWith('/') ? base : `${base}/`);
    if (this.options.publicUrl) {
      // The public URL may carry a path prefix added by the proxy: keep it.
      const prefix = new URL(this.options.publicUrl).pathname.replace(/\/$/, '');
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
      remoteAddress: (this.options.trustProxy ? ctx.ip : ctx.socket.remoteAddress) ?? '',
      receivedAt: new Date(),
    };
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    this.server = http.createServer(this.app.callback());
    this.server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    this.accepting = true;
    return this.server.address() as AddressInfo;
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
