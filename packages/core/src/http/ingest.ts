import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { IncomingWebhook, Source, VerifyResult, WebhookReply } from '../plugin/source.js';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { finalizeEvents } from '../model/finalize.js';
import { errorMessage, hasErrorCode } from '../errors.js';
import { bodyShapeProblem, queryShapeProblem, DEFAULT_BODY_SHAPE_LIMITS, type BodyShapeLimits } from '../util/body-shape.js';

/** A source instance mounted on a route. */
export interface MountedSource {
  id: string;
  route: string;
  platform: string;
  defaultCountry?: string;
  source: Source;
}

/** The answer to one webhook request, independent of the HTTP framework. */
export interface IngestAnswer {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** What the ingest sequence needs from the node. */
export interface IngestDeps {
  store: Pick<Store, 'append'>;
  metrics: RuntimeMetrics;
  logger: Logger;
  /** Shape limits of bodies and query strings. Default: {@link DEFAULT_BODY_SHAPE_LIMITS}. */
  bodyLimits?: BodyShapeLimits;
}

/**
 * What the client is told. The detailed reason (which check failed, the clock skew of a signature,
 * the URL a signature was checked against, the parser's message) goes to the log only: it helps an
 * operator and would help an attacker.
 */
export const CLIENT_REASONS = {
  unauthorized: 'unauthorized',
  badRequest: 'bad request: the body is not a webhook this route can read',
} as const;

const NO_BODY = Buffer.alloc(0);

/** The request as `verifyHeaders` sees it, before its body is read. */
export function headOf(request: IncomingWebhook): IncomingWebhook {
  return request.rawBody.length === 0 ? request : { ...request, rawBody: NO_BODY };
}

/**
 * The early check of a request: the source's `verifyHeaders` (headers, query, client address),
 * without the body. Returns the 401 answer, or undefined when the check passes or the source has
 * none. A check that throws has not proven anything: it fails closed.
 */
export function refuseByHeaders(mounted: MountedSource, request: IncomingWebhook, deps: IngestDeps): IngestAnswer | undefined {
  if (!mounted.source.verifyHeaders) return undefined;
  let verdict: VerifyResult;
  try {
    verdict = mounted.source.verifyHeaders(headOf(request));
  } catch (err) {
    verdict = { ok: false, reason: `header verification failed: ${errorMessage(err)}` };
  }
  return verdict.ok ? undefined : refusal(mounted, request, deps, 401, verdict.reason, 'unauthorized');
}

/**
 * The ingest sequence of one webhook: the early check of the headers (401), the body's shape (400),
 * verify (401), parse (400), finalize, store durably (503 when the store cannot), and only then the
 * source's reply. Nothing is stored for a refused request, and nothing is acknowledged that was not
 * stored. Whatever goes wrong while reading a body is a 400, never a 5xx: the platform would retry a
 * body that fails every time.
 */
export async function ingestWebhook(mounted: MountedSource, request: IncomingWebhook, deps: IngestDeps): Promise<IngestAnswer> {
  const { metrics, logger } = deps;
  const early = refuseByHeaders(mounted, request, deps);
  if (early) return early;

  // Before verification: checking a signature reads the body too (a form's parameters, sorted), and
  // the scan costs one pass over the bytes whoever sent them.
  const limits = deps.bodyLimits ?? DEFAULT_BODY_SHAPE_LIMITS;
  const shape = bodyShapeProblem(request.rawBody, limits) ?? queryShapeProblem(request.query, limits);
  if (shape) return refusal(mounted, request, deps, 400, shape, 'bad_request');

  let verdict: VerifyResult;
  try {
    verdict = await mounted.source.verify(request);
  } catch (err) {
    // A verifier that throws has not proven anything: fail closed.
    verdict = { ok: false, reason: `verification failed: ${errorMessage(err)}` };
  }
  if (!verdict.ok) return refusal(mounted, request, deps, 401, verdict.reason, 'unauthorized');

  let events: CallEvent[];
  try {
    const drafts = await mounted.source.parse(request);
    events = finalizeEvents(drafts, {
      sourceId: mounted.id, platform: mounted.platform, defaultCountry: mounted.defaultCountry,
      rawBody: request.rawBody, receivedAt: request.receivedAt,
    });
  } catch (err) {
    if (hasErrorCode(err, 'STORE_UNAVAILABLE')) return storeUnavailable(mounted, deps, err);
    if (hasErrorCode(err, 'WEBHOOK_BAD_REQUEST')) return refusal(mounted, request, deps, 400, errorMessage(err), 'bad_request');
    // Not a refusal the source chose: a reader threw on a value it did not expect (a timestamp out
    // of range, a type it did not check). The body will fail the same way on every retry, so the
    // platform is told 400; the log names the source so the connector can be fixed.
    logger.error({ source: mounted.id, err, remote: request.remoteAddress }, 'source threw while reading a webhook (a connector bug: it should refuse with badRequest); answering 400');
    metrics.webhooksRejected.inc({ source: mounted.id, reason: 'parse_error' });
    return { status: 400, body: { error: CLIENT_REASONS.badRequest } };
  }

  if (events.length) {
    try {
      const result = await deps.store.append(events);
      if (result.stored.length) metrics.eventsStored.inc({ source: mounted.id }, result.stored.length);
      if (result.duplicates.length) metrics.eventsDuplicate.inc({ source: mounted.id }, result.duplicates.length);
    } catch (err) {
      return storeUnavailable(mounted, deps, err);
    }
  }
  metrics.webhooksAccepted.inc({ source: mounted.id });
  if (logger.isLevelEnabled('debug')) logger.debug({ source: mounted.id, events: events.map((e) => `${e.type}:${e.id}`) }, 'webhook stored');
  let reply: WebhookReply | undefined;
  try {
    reply = mounted.source.reply?.(request, events);
  } catch (err) {
    // The events are stored: the platform must not retry them because the answer could not be built.
    logger.error({ source: mounted.id, err }, 'source failed to build its reply; answering the default 200');
  }
  return {
    status: reply?.status ?? 200,
    body: reply?.body ?? { ok: true, events: events.length },
    ...(reply?.contentType ? { contentType: reply.contentType } : {}),
  };
}

function refusal(mounted: MountedSource, request: IncomingWebhook, deps: IngestDeps, status: 400 | 401, reason: string, label: string): IngestAnswer {
  deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: label });
  deps.logger.warn({ source: mounted.id, status, reason, remote: request.remoteAddress }, 'webhook refused');
  return { status, body: { error: status === 401 ? CLIENT_REASONS.unauthorized : CLIENT_REASONS.badRequest } };
}

function storeUnavailable(mounted: MountedSource, deps: IngestDeps, err: unknown): IngestAnswer {
  deps.logger.error({ source: mounted.id, err }, 'store unavailable; answering 503 so the platform retries');
  deps.metrics.webhooksRejected.inc({ source: mounted.id, reason: 'store_unavailable' });
  return { status: 503, body: { error: 'store unavailable, retry later' }, headers: { 'retry-after': '5' } };
}
