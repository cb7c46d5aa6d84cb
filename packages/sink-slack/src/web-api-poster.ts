import { ErrorCode, LogLevel, WebClient, type ChatPostMessageArguments, type ChatUpdateArguments, type Logger as SlackLogger } from '@slack/web-api';
import { describeRequestError, outcomeForHttpStatus, type ConnectorContext, type DeliveryOutcome, type HttpClient } from '@callrelay/core';
import type { SlackMessage } from './message.js';
import type { SlackPoster } from './slack-poster.js';
import { outcomeOfSlackError } from './slack-errors.js';

const POSTING = 'posting to Slack (chat.postMessage)';

/** The SDK's log lines go to the connector's logger, at debug: outcomes are reported by the sink. */
function slackLogger(logger: ConnectorContext['logger']): SlackLogger {
  let level = LogLevel.DEBUG;
  const log = (message: unknown[]) => logger.debug({ slack: 'web-api' }, message.map(String).join(' '));
  return {
    debug: (...m: unknown[]) => log(m),
    info: (...m: unknown[]) => log(m),
    warn: (...m: unknown[]) => log(m),
    error: (...m: unknown[]) => log(m),
    setLevel: (l: LogLevel) => { level = l; },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * Posts with `chat.postMessage` through `@slack/web-api`'s `WebClient`, its own retries off
 * (`retries: 0`) and rate-limited calls rejected at once (`rejectRateLimitedCalls`): the delivery
 * engine owns retries, waits and attempt counting. A client is made per attempt, because its only
 * way to take the attempt's `AbortSignal` is the `fetch` it is built with.
 *
 * The Web API answers HTTP 200 with `{ ok: false, error }` for everything but rate limiting
 * (HTTP 429 with `Retry-After`) and outages (5xx).
 */
export class WebApiPoster implements SlackPoster {
  private readonly logger: SlackLogger;

  constructor(
    private readonly options: { token: string; channel: string; apiUrl: string },
    private readonly http: HttpClient,
    logger: ConnectorContext['logger'],
  ) {
    this.logger = slackLogger(logger);
  }

  async post(message: SlackMessage, signal: AbortSignal): Promise<DeliveryOutcome> {
    const result = await this.send('chat.postMessage', { message }, signal);
    return result.ok ? { status: 'delivered', detail: `ts ${result.ts} in ${result.channel}` } : result.outcome;
  }

  /**
   * One `chat.postMessage` (a new message, or a reply when `threadTs` is set) or `chat.update` (of the
   * message `ts`), answering the message's channel id and ts, or the outcome of the failure.
   */
  async send(
    method: 'chat.postMessage' | 'chat.update',
    target: { channel?: string; threadTs?: string; ts?: string; message: SlackMessage },
    signal: AbortSignal,
  ): Promise<{ ok: true; ts: string; channel: string } | { ok: false; outcome: DeliveryOutcome }> {
    const http = this.http;
    const client = new WebClient(this.options.token, {
      slackApiUrl: this.options.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: this.logger,
      fetch: (url, init) => http(url, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
    const { message } = target;
    const args = {
      // A thread's own channel first, then the message's (a channel template), then the configured one.
      channel: target.channel ?? message.channel ?? this.options.channel,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
      ...(target.ts ? { ts: target.ts } : {}),
      // A call alert is about the call: link previews of a recording URL would only add noise.
      ...(method === 'chat.postMessage' ? { unfurl_links: false, unfurl_media: false } : {}),
    };
    try {
      // Blocks come from a template as plain JSON; Slack, not the SDK's types, judges them.
      const result = method === 'chat.update'
        ? await client.chat.update(args as unknown as ChatUpdateArguments)
        : await client.chat.postMessage(args as ChatPostMessageArguments);
      return { ok: true, ts: String(result.ts), channel: String(result.channel) };
    } catch (err) {
      return { ok: false, outcome: outcomeOfWebApiError(err, signal, method) };
    }
  }
}

/** Maps what `WebClient` throws to an outcome. Errors are told apart by their `code`, as the SDK documents. */
export function outcomeOfWebApiError(err: unknown, signal: AbortSignal, method = 'chat.postMessage'): DeliveryOutcome {
  const WHAT = method === 'chat.update' ? 'updating a Slack message (chat.update)' : method === 'chat.postMessage' ? POSTING : `calling Slack (${method})`;
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; headers?: Record<string, string>; original?: unknown; message?: string };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return { status: 'retry', reason: `${WHAT}: rate limited (HTTP 429)`, retryAfterMs: (e.retryAfter ?? 1) * 1000, countsAsAttempt: false };
    case ErrorCode.PlatformError:
      return outcomeOfSlackError(e.data?.error ?? 'unknown_error', WHAT);
    case ErrorCode.HTTPError: {
      const outcome = outcomeForHttpStatus(e.statusCode ?? 0, e.headers?.['retry-after'], 'Slack');
      return outcome.status === 'delivered' ? { status: 'retry', reason: `${WHAT}: unexpected HTTP ${e.statusCode}` } : { ...outcome, reason: `${WHAT}: ${outcome.reason}` };
    }
    case ErrorCode.RequestError:
      return { status: 'retry', reason: `${WHAT}: ${describeRequestError(e.original, signal)}` };
    default:
      // A 429 without a usable Retry-After: the SDK throws a plain error; it is still rate limiting.
      if (e.message?.startsWith('Retry header did not contain a valid timeout')) return { status: 'retry', reason: `${WHAT}: rate limited (HTTP 429)`, countsAsAttempt: false };
      return { status: 'retry', reason: `${WHAT}: ${describeRequestError(err, signal)}` };
  }
}
