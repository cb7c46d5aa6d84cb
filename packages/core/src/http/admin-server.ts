import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { safeEqual } from '../util/verify.js';

/** The `admin` settings (docs/configuration.md). */
export interface AdminServerOptions {
  host: string;
  port: number;
  /** Required in `Authorization: Bearer <token>` on every request when set. */
  token?: string;
}

/** What `/readyz` on the admin listener reports. */
export interface ReadinessDetail {
  ready: boolean;
  status: string;
  [detail: string]: unknown;
}

/**
 * The admin listener: `/metrics`, `/healthz` and detailed `/readyz`, on an address and port of
 * their own so that the public webhook port shows neither metrics nor queue depths. Every request
 * carries the token when one is configured (the schema refuses a non-loopback address without one).
 * A koa app with a router: later parts (the console, an admin API) mount their routes on
 * {@link router} before the listener starts, and get the token check for free.
 */
export class AdminServer {
  readonly app = new Koa();
  /** Mount admin routes here (before `listen`). */
  readonly router = new Router();
  /**
   * Routes served WITHOUT the token: the console's static page (it asks for the token itself) and
   * the live stream (EventSource sends no headers: it checks a one-time ticket instead).
   */
  readonly open = new Router();
  private readonly onClose: (() => void)[] = [];
  private server?: http.Server;

  constructor(
    private readonly options: AdminServerOptions,
    deps: { metrics: Registry; logger: Logger; readiness: () => ReadinessDetail },
  ) {
    this.app.proxy = false;
    this.app.silent = true;
    this.app.use(async (ctx, next) => {
      try {
        await next();
      } catch (err) {
        deps.logger.error({ err, path: ctx.path }, 'unexpected error while handling an admin request');
        ctx.status = 500;
        ctx.body = { error: 'internal error' };
      }
    });
    this.app.use(this.open.routes());
    const token = options.token;
    if (token !== undefined) {
      this.app.use(async (ctx, next) => {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
        if (!match || !safeEqual(match[1]!, token)) {
          ctx.status = 401;
          ctx.set('WWW-Authenticate', 'Bearer realm="callrelay admin"');
          ctx.body = { error: 'admin token required (Authorization: Bearer <token>)' };
          return;
        }
        await next();
      });
    }
    this.router.get('/healthz', (ctx) => { ctx.body = { status: 'ok' }; });
    this.router.get('/readyz', (ctx) => {
      const detail = deps.readiness();
      ctx.status = detail.ready ? 200 : 503;
      ctx.body = detail;
    });
    this.router.get('/metrics', async (ctx) => {
      ctx.type = deps.metrics.contentType;
      ctx.body = await deps.metrics.metrics();
    });
    // The router's middleware reads its routes per request: routes mounted later are served.
    this.app.use(this.router.routes());
    this.app.use(this.router.allowedMethods());
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    const server = http.createServer({ headersTimeout: 5000, requestTimeout: 10_000 }, this.app.callback());
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  /** The bound address, once listening. */
  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const hook of this.onClose.splice(0)) hook();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  /** Runs `hook` when the listener closes (ends long-lived responses such as the live stream). */
  whenClosing(hook: () => void): void {
    this.onClose.push(hook);
  }
}
