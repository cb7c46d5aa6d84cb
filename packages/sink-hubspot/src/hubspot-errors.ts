import { describeRequestError, parseRetryAfter, type DeliveryOutcome } from '@callrelay/core';
import { HubSpotApiError, HubSpotInputError, HubSpotRequestError } from './hubspot-client.js';

/** How long to wait per rate-limit policy when HubSpot sends no `Retry-After` (its own client waits the same). */
const SECONDLY_WAIT_MS = 1000;
const TEN_SECONDLY_WAIT_MS = 10_000;
/** The daily limit resets at midnight in the portal's time zone, which the sink does not know: look again each hour. */
const DAILY_WAIT_MS = 3_600_000;
/** "Locks will last for 2 seconds" (HubSpot's error-handling guide, 423 Locked). */
const LOCKED_WAIT_MS = 2000;

/**
 * Categories of a refused batch input that the same input cannot pass later. HubSpot documents
 * `VALIDATION_ERROR` for a 207 input; it documents no category for an input that may pass later,
 * so an unknown category is retried (and dead-lettered after `maxAttempts`) rather than dropped.
 */
const PERMANENT_INPUT_CATEGORIES = new Set(['VALIDATION_ERROR', 'OBJECT_NOT_FOUND', 'CONFLICT', 'INVALID_AUTHENTICATION', 'MISSING_SCOPES']);

function rateLimitWait(error: HubSpotApiError, now: number): number {
  const asked = parseRetryAfter(error.headers.get('retry-after'), now);
  if (asked !== undefined) return asked;
  switch (error.policyName) {
    case 'SECONDLY': return SECONDLY_WAIT_MS;
    case 'DAILY': return DAILY_WAIT_MS;
    default: {
      // TEN_SECONDLY_ROLLING: the window is the interval HubSpot names; after it, the count is fresh.
      const interval = Number(error.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
      return Number.isFinite(interval) && interval > 0 ? interval : TEN_SECONDLY_WAIT_MS;
    }
  }
}

/** What each permanent failure asks the user to do. */
function hint(error: HubSpotApiError): string {
  if (error.status === 401) return ' (the access token is not valid: check accessToken)';
  if (error.status === 403) {
    const scopes = ((error.body as { errors?: { context?: { requiredGranularScopes?: string[] } }[] } | undefined)?.errors ?? [])
      .flatMap((e) => e.context?.requiredGranularScopes ?? []);
    return scopes.length ? ` (grant the private app the scope ${scopes.join(', ')})` : ' (the token lacks a scope: crm.objects.contacts.read and .write are needed)';
  }
  return '';
}

/**
 * The outcome of a failed step: 429 is retried after the wait HubSpot asks for, without spending
 * an attempt; 5xx, 408 and 423 (locked, at least 2 s) are retried; 401, 403 and other 4xx
 * (validation, a custom property that does not exist) fail permanently: the same request cannot
 * succeed later. No answer at all (network, timeout) is retried. A batch input HubSpot refused
 * fails permanently when its category says the input is invalid, else it is retried.
 */
export function outcomeOfHubSpotError(err: unknown, signal: AbortSignal, now: number): DeliveryOutcome {
  if (err instanceof HubSpotApiError) {
    if (err.status === 429) {
      return { status: 'retry', reason: `${err.message}${err.policyName ? ` (${err.policyName})` : ''}`, retryAfterMs: rateLimitWait(err, now), countsAsAttempt: false };
    }
    if (err.status >= 500 || err.status === 408) return { status: 'retry', reason: err.message, retryAfterMs: parseRetryAfter(err.headers.get('retry-after'), now) };
    if (err.status === 423) return { status: 'retry', reason: err.message, retryAfterMs: Math.max(LOCKED_WAIT_MS, parseRetryAfter(err.headers.get('retry-after'), now) ?? 0) };
    return { status: 'failed', reason: `${err.message}${hint(err)}` };
  }
  if (err instanceof HubSpotInputError) {
    return PERMANENT_INPUT_CATEGORIES.has(err.category) ? { status: 'failed', reason: err.message } : { status: 'retry', reason: err.message };
  }
  if (err instanceof HubSpotRequestError) return { status: 'retry', reason: `${err.action}: ${describeRequestError(err.cause, signal)}` };
  return { status: 'retry', reason: describeRequestError(err, signal) };
}

