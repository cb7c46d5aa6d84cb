import { describeRequestError, parseRetryAfter, type DeliveryOutcome, type HttpClient } from '@callrelay/core';
import type { SlackMessage } from './message.js';
import type { SlackPoster } from './slack-poster.js';
import { outcomeOfSlackError } from './slack-errors.js';

const WHAT = 'posting to the Slack webhook';
const BODY_CHARS = 200;

/**
 * Posts to an incoming webhook with the host's `fetch`, not `@slack/webhook`'s
 * `IncomingWebhook`: that client turns a failure into an error carrying the status and body but
 * not the headers, so a 429's `Retry-After` is lost, and its `send()` takes no `AbortSignal`, so
 * the engine could not cancel an attempt that timed out. What it adds besides (a JSON POST) is
 * one line here.
 *
 * Slack answers webhooks with plain text: `ok`, or an error word with a meaningful status
 * (400 `invalid_payload`, 403 `invalid_token`, 404 `channel_not_found`, 410 `channel_is_archived`).
 */
export class WebhookPoster implements SlackPoster {
  constructor(private readonly url: string, private readonly http: HttpClient) {}

  async post(message: SlackMessage, signal: AbortSignal, now: number): Promise<DeliveryOutcome> {
    let response: Response;
    try {
      response = await this.http(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'callrelay' },
        body: JSON.stringify(message),
        signal,
        // Webhook URLs do not redirect; a redirect means a wrong URL, reported rather than followed.
        redirect: 'manual',
      });
    } catch (err) {
      // The reason never contains the URL: it is the webhook's secret.
      return { status: 'retry', reason: `${WHAT}: ${describeRequestError(err, signal)}` };
    }
    const text = (await response.text().catch(() => '')).trim().slice(0, BODY_CHARS);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
    if (response.status >= 200 && response.status < 300) return { status: 'delivered', detail: `HTTP ${response.status} ${text}`.trim() };
    if (response.status === 429) return { status: 'retry', reason: `${WHAT}: HTTP 429 ${text || 'rate_limited'}`, retryAfterMs, countsAsAttempt: false };
    if (response.status >= 500 || response.status === 408) return { status: 'retry', reason: `${WHAT}: HTTP ${response.status} ${text}`.trim(), retryAfterMs };
    // 4xx (and redirects): Slack's error word says what is wrong; it does not change on retry.
    const word = /^[a-z_]+$/.test(text) ? text : undefined;
    if (word) return outcomeOfSlackError(word, `${WHAT}: HTTP ${response.status}`);
    return { status: 'failed', reason: `${WHAT}: HTTP ${response.status}${text ? ` ${text.replace(/\s+/g, ' ')}` : ''}` };
  }
}
