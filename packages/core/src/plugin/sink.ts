import type { CallEvent } from '../model/call-event.js';
import { CallrelayError } from '../errors.js';

/** What one delivery attempt knows about itself. */
export interface DeliveryContext {
  /** Stable across retries of the same delivery: use it as an idempotency key. */
  deliveryId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The pipeline that routed the event here. */
  pipeline: string;
  /** Aborted when the attempt times out or the process is shutting down. */
  signal: AbortSignal;
}

/**
 * The result of one attempt. Returning nothing means delivered. Throwing is a retryable failure
 * unless the error is {@link permanentFailure} (code `DELIVERY_PERMANENT`).
 */
export type DeliveryOutcome =
  | { status: 'delivered'; detail?: string }
  | {
      status: 'retry';
      reason: string;
      /** Wait at least this long (e.g. from `Retry-After`). */
      retryAfterMs?: number;
      /** False for rate limiting: the attempt does not count against `maxAttempts`. Default true. */
      countsAsAttempt?: boolean;
    }
  | { status: 'failed'; reason: string };

/**
 * A sink instance. The delivery engine calls `deliver` for one event at a time per worker, up to
 * the sink's configured concurrency, and decides from the outcome whether to retry (exponential
 * backoff with jitter, at least `retryAfterMs`), dead-letter (after `maxAttempts`, or at once on
 * `failed`), or acknowledge. Delivery is at least once: `deliver` may see the same `deliveryId` again
 * after a crash, so make it idempotent where the destination allows.
 *
 * Shutdown order: the host stops intake, lets in-flight deliveries finish within the grace period
 * (then aborts their `signal`), calls `close`, then unbinds. `close` may be called twice.
 */
export interface Sink {
  /** Delivers one event: return nothing (delivered) or an outcome; throwing is a retryable failure unless it is {@link permanentFailure}. */
  deliver(event: CallEvent, context: DeliveryContext): Promise<DeliveryOutcome | void>;
  /**
   * Optional: delivers several events in one go (one file write and fsync, one batch request).
   * Returns one outcome per item, in the same order; `undefined` means delivered. Partial failure
   * is normal: some delivered, some retried, some failed, each settled on its own. Throwing (or
   * returning the wrong number of outcomes) retries the whole batch, like a throwing `deliver`.
   * The host uses it when present, with up to `delivery.batchSize` items; `deliver` stays required
   * (replays and single deliveries use it).
   */
  deliverBatch?(items: readonly BatchDelivery[], context: BatchDeliveryContext): Promise<readonly (DeliveryOutcome | void)[]>;
  /** Releases connections and files after the last delivery. May be called twice. */
  close?(): Promise<void>;
}

/** One item of {@link Sink.deliverBatch}. */
export interface BatchDelivery {
  /** The event as the pipeline's transforms left it. */
  event: CallEvent;
  /** Stable across retries of the same delivery: use it as an idempotency key. */
  deliveryId: string;
  /** 1 for the first attempt of this item. */
  attempt: number;
  /** The pipeline that routed the event here. */
  pipeline: string;
}

/** What a batch attempt knows about itself. */
export interface BatchDeliveryContext {
  /** Aborted when the attempt times out or the process is shutting down. */
  signal: AbortSignal;
}

/** A failure that retrying will not fix (bad credentials, unknown channel): dead-lettered at once. */
export function permanentFailure(reason: string, cause?: unknown): CallrelayError {
  return new CallrelayError('DELIVERY_PERMANENT', reason, { cause });
}

/** A failure that may pass later; `retryAfterMs` sets the minimum wait. */
export function retryableFailure(reason: string, options: { retryAfterMs?: number; countsAsAttempt?: boolean; cause?: unknown } = {}): CallrelayError {
  return new CallrelayError('DELIVERY_RETRYABLE', reason, {
    cause: options.cause,
    details: { retryAfterMs: options.retryAfterMs, countsAsAttempt: options.countsAsAttempt },
  });
}

/**
 * Parses an HTTP `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The usual mapping of an HTTP response to an outcome: 2xx delivered; 408, 425, 429 and 5xx
 * retried (honouring `Retry-After`; 429 does not count as an attempt); other statuses permanent.
 */
export function outcomeForHttpStatus(status: number, retryAfter?: string | null, what = 'the endpoint'): DeliveryOutcome {
  if (status >= 200 && status < 300) return { status: 'delivered', detail: `HTTP ${status}` };
  const retryAfterMs = parseRetryAfter(retryAfter);
  if (status === 429) return { status: 'retry', reason: `${what} answered 429 (rate limited)`, retryAfterMs, countsAsAttempt: false };
  if (status === 408 || status === 425 || status >= 500) return { status: 'retry', reason: `${what} answered ${status}`, retryAfterMs };
  return { status: 'failed', reason: `${what} answered ${status}` };
}

/**
 * Why an HTTP request never got an answer, in the words of the network layer (`fetch` hides them
 * in `cause`: `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`), or why it was aborted.
 */
export function describeRequestError(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    return `aborted (${reason instanceof Error ? reason.message : String(reason)})`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const message = err instanceof Error ? err.message : String(err);
  if (cause?.code && cause.message) return cause.message.includes(cause.code) ? cause.message : `${cause.code}: ${cause.message}`;
  return cause?.message ?? message;
}
