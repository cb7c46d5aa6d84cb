import { outcomeForHttpStatus, parseRetryAfter, type DeliveryOutcome } from '@callrelay/core';

const WHAT = 'posting to Teams';
const BODY_CHARS = 200;

/**
 * A legacy Office 365 incoming webhook answers 200 even when Teams refused the message, with the
 * real status in the text: `Webhook message delivery failed with error: Microsoft Teams endpoint
 * returned HTTP error 429 with ContextId ...` (MicrosoftDocs/msteams-docs #400, #1810, #7425).
 */
const LEGACY_FAILURE = /Microsoft Teams endpoint returned HTTP error (\d{3})/;

/**
 * The outcome of Teams' answer to a post:
 * - Workflows ("Post to a channel when a webhook request is received") answers 202 Accepted and runs
 *   the flow later (a card the flow cannot post shows in its run history, not here); 400 with a JSON
 *   `error` for a request it refuses, 401/403/404 for a URL whose signature or flow is gone, 429 with
 *   `Retry-After` when throttled, 5xx when unavailable.
 * - A legacy incoming webhook answers 200 with the body `1`; its failures come as 200 with the error
 *   in the text (above), or as 4xx with a text body (`Summary or Text is required.`).
 * Statuses map as `outcomeForHttpStatus` does (429: retry that does not count as an attempt).
 * Reasons never contain the URL (it holds the credentials).
 */
export async function outcomeOfTeamsAnswer(response: Response, now = Date.now()): Promise<DeliveryOutcome> {
  const text = (await response.text().catch(() => '')).trim();
  const retryAfter = response.headers.get('retry-after');
  if (response.status >= 200 && response.status < 300) {
    const legacy = LEGACY_FAILURE.exec(text);
    if (!legacy) return { status: 'delivered', detail: `HTTP ${response.status}` };
    const outcome = outcomeForHttpStatus(Number(legacy[1]), retryAfter, `${WHAT} (legacy incoming webhook)`);
    return outcome.status === 'delivered' ? outcome : withReason(outcome, `${outcome.reason}: ${oneLine(text)}`, retryAfter, now);
  }
  const outcome = outcomeForHttpStatus(response.status, retryAfter, WHAT);
  if (outcome.status === 'delivered') return outcome;
  const detail = errorDetail(text);
  return withReason(outcome, detail ? `${outcome.reason}: ${detail}` : outcome.reason, retryAfter, now);
}

function withReason(outcome: Exclude<DeliveryOutcome, { status: 'delivered' }>, reason: string, retryAfter: string | null, now: number): DeliveryOutcome {
  if (outcome.status === 'failed') return { status: 'failed', reason };
  // outcomeForHttpStatus reads an HTTP-date Retry-After against Date.now(); the sink's clock may differ.
  const retryAfterMs = parseRetryAfter(retryAfter, now) ?? outcome.retryAfterMs;
  return { ...outcome, reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Workflows' JSON error (`{"error": {"code", "message"}}`) as `code: message`, else the text on one line. */
function errorDetail(text: string): string {
  if (!text) return '';
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = body.error ?? {};
    if (typeof code === 'string' || typeof message === 'string') return oneLine([code, message].filter((p) => typeof p === 'string').join(': '));
  } catch {
    // Not JSON: a legacy webhook's text.
  }
  return oneLine(text);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > BODY_CHARS ? `${line.slice(0, BODY_CHARS)}…` : line;
}
