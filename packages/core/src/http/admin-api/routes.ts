import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Counter, Registry } from 'prom-client';
import { z } from 'zod';
import type { ResolvedConfig } from '../../config/load.js';
import { backoffSchedule, backoffSpan } from '../../delivery/backoff.js';
import { purgeDeadLetters, replayDeadLetters, selectDeadLetters } from '../../delivery/dead-letters.js';
import type { CallEvent } from '../../model/call-event.js';
import type { DeadLetter, Store } from '../../store/store.js';
import { createRedactor } from '../../util/redact.js';
import { Readable } from 'node:stream';
import { LiveStreams, LiveTickets } from './live.js';
import { openApiDocument } from './openapi.js';
import * as s from './schemas.js';

/** What the admin API reads. */
export interface AdminApiDeps {
  store: Store;
  /** The running configuration (read on every request: a reload changes sinks and pipelines). */
  config: () => ResolvedConfig;
  metrics: Registry;
  version: string;
}

const MAX_BODY = 64 * 1024;

function parse<T extends z.ZodType>(ctx: Context, schema: T, input: unknown): z.output<T> | undefined {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  ctx.status = 400;
  ctx.body = { error: z.prettifyError(result.error), issues: result.error.issues };
  return undefined;
}

async function readJson(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  try { return JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return undefined; }
}

const letterView = (l: DeadLetter): z.input<typeof s.deadLetter> => ({
  id: l.id, sinkId: l.sinkId, reason: l.reason, attempts: l.attempts, failedAt: l.failedAt,
  pipeline: l.delivery.pipeline, event: { ...l.delivery.event },
});

/** Delivery counters of this node since it started, by sink and outcome (`callrelay_deliveries_total`). */
async function deliveryCounts(metrics: Registry): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  const metric = metrics.getSingleMetric('callrelay_deliveries_total') as Counter | undefined;
  for (const v of (await metric?.get())?.values ?? []) {
    const sink = String(v.labels.sink);
    const row = counts.get(sink) ?? {};
    row[String(v.labels.outcome)] = (row[String(v.labels.outcome)] ?? 0) + v.value;
    counts.set(sink, row);
  }
  return counts;
}

/**
 * The admin API (docs/console.md, docs/operations.md): calls, one call's events and deliveries,
 * sinks' health, dead letters with replay and discard, a live stream, and the OpenAPI document.
 * Mounted on the admin listener's routers: `router` behind its token, `open` without (the live
 * stream, which checks a ticket instead).
 */
export function mountAdminApi(routers: { router: Router; open: Router }, deps: AdminApiDeps): { close(): void } {
  const { router, open } = routers;
  const { store } = deps;
  const tickets = new LiveTickets();
  const redactor = () => createRedactor(deps.config().secretValues);
  const live = new LiveStreams(store, (json) => redactor().json(json));
  const document = openApiDocument(deps.version);

  // What the API answers quotes webhooks and sink errors, which may carry the config's secrets
  // (a URL with credentials in an error message): redacted as `callrelay dlq list` does.
  router.use(async (ctx, next) => {
    await next();
    if (ctx.body && typeof ctx.body === 'object' && !(ctx.body instanceof Readable) && !Buffer.isBuffer(ctx.body)) {
      ctx.body = redactor().json(JSON.stringify(ctx.body));
      ctx.type = 'application/json';
    }
  });

  router.get('/api/openapi.json', (ctx) => { ctx.body = document; });

  router.get('/api/calls', async (ctx) => {
    const q = parse(ctx, s.callListQuery, ctx.query);
    if (!q) return;
    if (!store.listCalls) { ctx.status = 501; ctx.body = { error: 'this store cannot list calls (the console needs the SQLite store; docs/console.md)' }; return; }
    try {
      ctx.body = await store.listCalls({
        limit: q.limit, ...(q.source ? { source: q.source } : {}), ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.number ? { number: q.number } : {}), ...(q.from ? { since: Date.parse(q.from) } : {}), ...(q.to ? { until: Date.parse(q.to) } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    } catch (err) {
      if (q.cursor && err instanceof RangeError) { ctx.status = 400; ctx.body = { error: 'cursor: not a cursor of this API' }; return; }
      throw err;
    }
  });

  router.get('/api/calls/:source/:callId', async (ctx) => {
    const { source, callId } = ctx.params as { source: string; callId: string };
    if (!store.callEvents) { ctx.status = 501; ctx.body = { error: 'this store cannot read the events of a call (the console needs the SQLite store; docs/console.md)' }; return; }
    const events = await store.callEvents(source, callId);
    if (!events.length) { ctx.status = 404; ctx.body = { error: 'no such call in the log' }; return; }
    ctx.body = { events, deliveries: await callDeliveries(deps, events) };
  });

  router.get('/api/sinks', async (ctx) => {
    const config = deps.config();
    const counts = await deliveryCounts(deps.metrics);
    const summary = await deadLetterSummary(store);
    const sinks = await Promise.all(config.sinks.map(async (sink) => {
      const id = sink.id;
      const queue = store.deliveries(id);
      const waitingSince = await queue.oldestWaiting?.();
      const c = counts.get(id) ?? {};
      const delivered = c.delivered ?? 0, retried = c.retry ?? 0, deadLettered = c.dead_letter ?? 0;
      const attempts = delivered + retried + deadLettered;
      const letters = summary.get(id);
      const last = letters?.latest;
      const delivery = sink.delivery;
      const span = backoffSpan(delivery);
      return {
        id, type: sink.definition.type, queueDepth: await queue.depth(),
        ...(waitingSince !== undefined ? { waitingSince: new Date(waitingSince).toISOString() } : {}),
        delivered, retried, deadLettered, ...(attempts ? { successRate: delivered / attempts } : {}),
        deadLetters: letters?.count ?? 0,
        ...(last ? { lastError: { reason: last.reason, at: last.failedAt } } : {}),
        retry: {
          maxAttempts: delivery.maxAttempts, initialBackoffMs: delivery.initialBackoffMs, maxBackoffMs: delivery.maxBackoffMs,
          spanMs: { min: span.minMs, max: span.maxMs }, waits: backoffSchedule(delivery),
        },
      } satisfies z.input<typeof s.sinkHealth>;
    }));
    ctx.body = { sinks };
  });

  router.get('/api/dead-letters', async (ctx) => {
    const q = parse(ctx, s.deadLetterQuery, ctx.query);
    if (!q) return;
    // Dead letters are few (a sink that fails for a day piles up what it was sent that day): the
    // store lists them oldest first and the page is a slice of that list; the cursor is its offset.
    const offset = q.cursor ? Number.parseInt(q.cursor, 10) || 0 : 0;
    const letters = await store.deadLetters.list({ ...(q.sinkId ? { sinkId: q.sinkId } : {}), limit: offset + q.limit + 1 });
    const page = letters.slice(offset, offset + q.limit);
    ctx.body = { deadLetters: page.map(letterView), ...(letters.length > offset + q.limit ? { next: String(offset + q.limit) } : {}) };
  });

  const selection = (a: z.output<typeof s.deadLetterAction>) => ({
    ...(a.ids?.length ? { ids: a.ids } : {}), ...(a.sinkId ? { sinkId: a.sinkId } : {}),
    ...(a.failedBefore ? { failedBefore: Date.parse(a.failedBefore) } : {}),
  });

  router.post('/api/dead-letters/replay', async (ctx) => {
    const a = parse(ctx, s.deadLetterAction, await readJson(ctx));
    if (!a) return;
    const { letters, missing } = await selectDeadLetters(store, selection(a));
    const replayed = letters.length ? await replayDeadLetters(store, { ids: letters.map((l) => l.id) }) : [];
    ctx.body = { count: replayed.length, ids: replayed.map((l) => l.id), missing };
  });

  router.post('/api/dead-letters/discard', async (ctx) => {
    const a = parse(ctx, s.deadLetterAction, await readJson(ctx));
    if (!a) return;
    const { purged, missing } = await purgeDeadLetters(store, selection(a));
    ctx.body = { count: purged.length, ids: purged.map((l) => l.id), missing };
  });

  router.post('/api/live-ticket', (ctx) => { ctx.body = tickets.issue(); });

  open.get('/api/events', (ctx) => {
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    if (!tickets.redeem(ticket)) {
      ctx.status = 401;
      ctx.body = { error: 'a live ticket is required (POST /api/live-ticket with the admin token)' };
      return;
    }
    const after = typeof ctx.query.after === 'string' && /^\d+$/.test(ctx.query.after) ? Number(ctx.query.after) : undefined;
    live.open(ctx, after);
  });

  return { close: () => live.closeAll() };
}

/** Dead letters per sink: from the store's summary when it has one, else by listing them. */
async function deadLetterSummary(store: Store): Promise<Map<string, { count: number; latest: DeadLetter }>> {
  if (store.deadLetters.summary) return new Map((await store.deadLetters.summary()).map((s) => [s.sinkId, s]));
  const out = new Map<string, { count: number; latest: DeadLetter }>();
  for (const letter of await store.deadLetters.list({})) {
    const entry = out.get(letter.sinkId);
    if (!entry) out.set(letter.sinkId, { count: 1, latest: letter });
    else { entry.count += 1; if (letter.failedAt > entry.latest.failedAt) entry.latest = letter; }
  }
  return out;
}

/**
 * Where each delivery of a call's events is: the router names a delivery `<pipeline>/<sink>/<event id>`,
 * so the candidates follow from the pipelines that take the call's source. Replayed deliveries
 * (new ids) are not followed.
 */
async function callDeliveries(deps: AdminApiDeps, events: readonly CallEvent[]): Promise<z.input<typeof s.deliveryInfo>[]> {
  const config = deps.config();
  const candidates: { pipeline: string; sinkId: string; id: string; event: CallEvent }[] = [];
  for (const event of events) {
    for (const p of config.pipelines) {
      if (!p.from.includes(event.source)) continue;
      const pipeline = p.id;
      for (const sinkId of p.to) candidates.push({ pipeline, sinkId, id: `${pipeline}/${sinkId}/${event.id}`, event });
    }
  }
  const states = new Map((await deps.store.deliveryStates?.(candidates) ?? []).map((d) => [`${d.sinkId}\n${d.replayOf ?? d.id}`, d]));
  const out: z.input<typeof s.deliveryInfo>[] = [];
  for (const c of candidates) {
    const base = { pipeline: c.pipeline, sinkId: c.sinkId, id: c.id, eventId: c.event.id, eventType: c.event.type };
    const state = states.get(`${c.sinkId}\n${c.id}`);
    if (state?.state === 'delivered' || state?.state === 'queued' || state?.state === 'retrying') {
      // A settled item is either delivered or dead-lettered: the dead-letter list tells.
      const letter = state.state === 'delivered' ? await deps.store.deadLetters.get(state.id) : undefined;
      if (letter) out.push({ ...base, state: 'dead-letter', attempts: letter.attempts, reason: letter.reason });
      else out.push({ ...base, state: state.state, attempts: state.attempts, ...(state.replayOf ? { replayedAs: state.id } : {}), ...(state.nextAttemptAt ? { nextAttemptAt: new Date(state.nextAttemptAt).toISOString() } : {}) });
      continue;
    }
    const letter = await deps.store.deadLetters.get(c.id);
    if (letter) out.push({ ...base, state: 'dead-letter', attempts: letter.attempts, reason: letter.reason });
  }
  return out;
}
