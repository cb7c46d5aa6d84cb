import type { CallEventDraft, CallEvent } from '../model/call-event.js';
import { CallrelayError } from '../errors.js';

/** A webhook request as the core received it; the body is raw so sources can verify signatures. */
export interface IncomingWebhook {
  /** The HTTP method, upper-case. */
  method: string;
  /** The URL as the server saw it (scheme and host from the request or proxy headers). */
  url: string;
  /**
   * The request-target exactly as received: path and query string, byte for byte. `url` went
   * through the WHATWG URL parser, which re-encodes some characters (`'` in a query becomes
   * `%27`); a signature over the URL as the platform called it needs this one.
   */
  target: string;
  /** The URL's path, without the query string. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** Query string parameters (last value wins for repeated keys). */
  query: Record<string, string>;
  /** The body exactly as received: verify signatures over these bytes. */
  rawBody: Buffer;
  /** Media type without parameters, lower-cased (`application/json`), or '' when absent. */
  contentType: string;
  /** The client address (the proxy's client when the server trusts the proxy). */
  remoteAddress: string;
  /** When the core received the request. */
  receivedAt: Date;
}

/** What `verify` decides: ok, or a reason (logged, never sent to the client) for the 401. */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * A webhook request about to be sent to a source's route, as `callrelay replay` and tests build it
 * from a recorded fixture: what a source definition's `sign` completes with credentials.
 */
export interface OutgoingWebhook {
  /** The HTTP method (`POST`, `GET`). */
  method: string;
  /** The full URL it is sent to, query string included, as `new URL(url).href` writes it (what `fetch` sends). */
  url: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The body exactly as it will be sent; absent for a GET. */
  body?: string;
}

/** What signing may depend on besides the request and the config. */
export interface SignOptions {
  /** The time to sign at (epoch ms), for signatures that carry a timestamp. */
  nowMs: number;
}

/**
 * The request with an `Authorization: Basic` header for these credentials (what
 * `verifyBasicAuth` accepts): the `sign` of a source configured with Basic auth.
 */
export function withBasicAuth(request: OutgoingWebhook, credentials: { username: string; password: string }): OutgoingWebhook {
  const value = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
  return { ...request, headers: { ...request.headers, authorization: `Basic ${value}` } };
}

/**
 * The request with a shared token (what `verifySharedToken` accepts) in its query parameter,
 * the way platforms that sign nothing send it (a token written into the webhook URL). With several
 * tokens (a rotation) the first is used.
 */
export function withSharedToken(request: OutgoingWebhook, token: { value: string | readonly string[]; queryParam?: string }): OutgoingWebhook {
  const value = typeof token.value === 'string' ? token.value : token.value[0];
  if (value === undefined) return request;
  const url = new URL(request.url);
  url.searchParams.set(token.queryParam ?? 'token', value);
  return { ...request, url: url.href };
}

/** What the core answers to the platform after the events are stored. */
export interface WebhookReply {
  /** HTTP status. Default 200. */
  status?: number;
  /** The body, sent as koa sends it (a string or Buffer as is, anything else as JSON). Default `{"ok":true,"events":<n>}`. */
  body?: unknown;
  /** Content type of `body`; default: what koa infers from it. */
  contentType?: string;
}

/**
 * A webhook source instance. The core owns the HTTP route; the source supplies three pieces:
 * how to verify a request, how to parse it into canonical events, and what to answer.
 *
 * Order for each request: `verifyHeaders` if the source has it (before the body is read), `verify`
 * (401 when not ok; nothing is parsed or stored), `parse` (throw {@link badRequest} for a body that
 * cannot be understood: 400, nothing stored), then the core stores the events durably and only then
 * calls `reply` (default: 200 `{"ok":true}`).
 */
export interface Source {
  /** HTTP methods the route accepts. Default: `['POST']`. */
  readonly methods?: readonly ('GET' | 'POST' | 'PUT')[];
  /**
   * Optional early check of what arrives before the body: headers, query string, method and client
   * address (Basic auth, tokens, IP allow-lists). The core calls it before reading the body, with
   * `rawBody` empty, and answers 401 without reading the body when it is not ok, so that a client
   * without credentials cannot make the server hold its body in memory. It must be synchronous,
   * cheap and must not read `rawBody`; a check that needs the body (a signature) belongs in `verify`
   * only. `verify` still runs on the whole request and stays the complete check on its own.
   */
  verifyHeaders?(request: IncomingWebhook): VerifyResult;
  /** Fail closed: return `{ ok: false }` for anything that does not prove the configured credentials. */
  verify(request: IncomingWebhook): VerifyResult | Promise<VerifyResult>;
  /**
   * Zero or more events. An event that cannot be classified is returned with type `unknown`. Any
   * error thrown here is answered 400 (the platform must not retry a body that will fail again):
   * throw {@link badRequest} with the reason; anything else is logged as a connector bug. A store
   * the source uses that cannot be reached throws `STORE_UNAVAILABLE`, answered 503 (retry).
   */
  parse(request: IncomingWebhook): CallEventDraft[] | Promise<CallEventDraft[]>;
  /** Optional: what to answer once `events` are stored (jambonz expects an array of verbs). Default 200 `{"ok":true,"events":<n>}`. */
  reply?(request: IncomingWebhook, events: readonly CallEvent[]): WebhookReply;
  /** Called once before the route opens. */
  start?(): Promise<void>;
  /** Called once after the route closes; may be called twice. */
  stop?(): Promise<void>;
}

/** Throw from `parse` when the body cannot be understood: the platform gets 400 with `reason`. */
export function badRequest(reason: string, cause?: unknown): CallrelayError {
  return new CallrelayError('WEBHOOK_BAD_REQUEST', reason, { cause });
}
