import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Store } from '../../store/store.js';

const TICKET_TTL_MS = 60_000;

/**
 * One-time tickets for the live stream. A browser's EventSource cannot send an Authorization
 * header, and a token in the URL would sit in proxy logs and browser history for good; a ticket is
 * asked for with the token, is good for one connection, and expires within a minute.
 */
export class LiveTickets {
  private readonly tickets = new Map<string, number>();

  issue(now = Date.now()): { ticket: string; expiresAt: string } {
    for (const [t, expires] of this.tickets) if (expires <= now) this.tickets.delete(t);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, now + TICKET_TTL_MS);
    return { ticket, expiresAt: new Date(now + TICKET_TTL_MS).toISOString() };
  }

  /** True (and the ticket is used up) when `ticket` was issued and has not expired. */
  redeem(ticket: string, now = Date.now()): boolean {
    const expires = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return expires !== undefined && expires > now;
  }
}

/**
 * The live stream (`GET /api/events`, server-sent events): every `pollMs`, the calls changed since
 * the last look, read from the store, so changes made by any node sharing it show up. `ping` every
 * 15 s keeps proxies from closing an idle stream.
 */
export class LiveStreams {
  private readonly streams = new Set<PassThrough>();

  constructor(private readonly store: Store, private readonly redact: (json: string) => string, private readonly pollMs = 1000) {}

  open(ctx: Context, after: number | undefined): void {
    const stream = new PassThrough();
    this.streams.add(stream);
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    ctx.status = 200;
    ctx.body = stream;
    stream.write('retry: 2000\n\n');
    let mark = after;
    let busy = false;
    let sincePing = 0;
    const tick = async () => {
      if (busy || !this.store.listCalls) return;
      busy = true;
      try {
        if (mark === undefined) {
          mark = (await this.store.listCalls({ limit: 1 })).mark;
        } else {
          for (;;) {
            const page = await this.store.listCalls({ limit: 200, changedAfter: mark });
            if (!page.calls.length) break;
            mark = page.calls.at(-1)!.change;
            stream.write(`event: calls\ndata: ${this.redact(JSON.stringify(page.calls))}\n\n`);
            if (page.calls.length < 200) break;
          }
        }
        sincePing += this.pollMs;
        if (sincePing >= 15_000) { sincePing = 0; stream.write('event: ping\ndata: {}\n\n'); }
      } catch {
        // A store that is closing or busy: try again at the next tick.
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), this.pollMs);
    void tick();
    const close = () => { clearInterval(timer); this.streams.delete(stream); stream.end(); };
    ctx.req.on('close', close);
    stream.on('close', close);
  }

  /** Ends every open stream (the listener is closing). */
  closeAll(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }
}
