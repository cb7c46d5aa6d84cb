import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { IncomingWebhook, Source } from '../plugin/source.js';
import type { Store } from '../store/store.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
import { finalizeEvents } from '../model/finalize.js';
import { errorMessage, hasErrorCode } from '../errors.js';

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

/**
 * The ingest sequence of one webhook: verify (401), parse (400), finalize, store durably (503 when
 * the store cannot), and only then the source's reply. Nothing is stored for a refused request, and
 * nothing is acknowledged that was not stored.
 */
export async function ingestWebhook(
  mounted: MountedSource,
  request: IncomingWebhook,
  deps: { store: Store; metrics: RuntimeMetrics; logger: Logger },
): Promise<IngestAnswer> {
  const { metrics, logger } = deps;
  const reject = (status: number, reason: string, label: string): IngestAnswer => {
    metrics.webhooksRejected.inc({ source: mounted.id, reason: label });
    logger.warn({ source: mounted.id, status, reason, remote: request.remoteAddress }, 'webhook refused');
    return { status, body: { error: reason } };
  };

  let verdict;
  try {
    verdict = await mounted.source.verify(request);
  } catch (err) {
    // A verifier that throws has not proven anything: fail closed.
    return reject(401, `verification failed: ${errorMessage(err)}`, 'unauthorized');
  }
  if (!verdict.ok) return reject(401, verdict.reason, 'unauthorized');

  let events: CallEvent[];
  try {
    const drafts = await mounted.source.parse(request);
    events = finalizeEvents(drafts, {
      sourceId: mounted.id, platform: mounted.platform, defaultCountry: mounted.defaultCountry,
      rawBody: request.rawBody, receivedAt: request.receivedAt,
    });
  } catch (err) {
    if (hasErrorCode(err, 'WEBHOOK_BAD_REQUEST')) return reject(400, errorMessage(err), 'bad_request');
    logger.error({ source: mounted.id, err }, 'source failed to parse a webhook (a connector bug); answering 500 so the platform retries');
    metrics.webhooksRejected.inc({ source: mounted.id, reason: 'error' });
    return { status: 500, body: { error: 'internal error while parsing the webhook' } };
  }

  if (events.length) {
    try {
      const result = await deps.store.append(events);
      if (result.stored.length) metrics.eventsStored.inc({ source: mounted.id }, result.stored.length);
      if (result.duplicates.length) metrics.eventsDuplicate.inc({ source: mounted.id }, result.duplicates.length);
    } catch (err) {
      logger.error({ source: mounted.id, err }, 'store unavailable; answering 503 so the platform retries');
      metrics.webhooksRejected.inc({ source: mounted.id, reason: 'store_unavailable' });
      return { status: 503, body: { error: 'store unavailable, retry later' }, headers: { 'retry-after': '5' } };
    }
  }
  metrics.webhooksAccepted.inc({ source: mounted.id });
  if (logger.isLevelEnabled('debug')) logger.debug({ source: mounted.id, events: events.map((e) => `${e.type}:${e.id}`) }, 'webhook stored');
  const reply = mounted.source.reply?.(request, events);
  return {
    status: reply?.status ?? 200,
    body: reply?.body ?? { ok: true, events: events.length },
    ...(reply?.contentType ? { contentType: reply.contentType } : {}),
  };
}
