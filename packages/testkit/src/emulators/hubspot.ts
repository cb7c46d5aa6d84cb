import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import getRawBody from 'raw-body';
import { LoopbackServer } from './loopback.js';

/** The rate-limit policies HubSpot names in a 429 body (`policyName`). */
export type HubSpotRateLimitPolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

/** How the emulator fails the requests that {@link HubSpotEmulator.failNext} applies to. */
export interface HubSpotFailure {
  /** HTTP status: 429 (rate limit body), 5xx, or any other (a generic error body). */
  status: number;
  /** For 429: which limit was hit. Default `TEN_SECONDLY_ROLLING`. */
  policy?: HubSpotRateLimitPolicy;
  /** Sets the `Retry-After` header (seconds). HubSpot does not always send one; by default none is sent. */
  retryAfterSec?: number;
  /** Overrides the body's `message`. */
  message?: string;
  /** Overrides the body's `category` (not for 429). */
  category?: string;
}

/** The burst limit of a private app: `max` requests per rolling `intervalMs` (HubSpot: 100 or 190 per 10 s). */
export interface HubSpotRateLimit {
  max: number;
  intervalMs: number;
}

export interface HubSpotEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Tokens valid with every scope. Default: [{@link HubSpotEmulator.DEFAULT_TOKEN}]. See {@link HubSpotEmulator.allowToken}. */
  tokens?: string[];
  /**
   * Custom call properties defined in the emulated portal (e.g. `callrelay_event_id`). Creating a
   * call with a property that is neither HubSpot-defined nor listed here fails with
   * `PROPERTY_DOESNT_EXIST`, as in a real portal.
   */
  customCallProperties?: string[];
  /** The TEN_SECONDLY_ROLLING burst limit, enforced per emulator. Default `{ max: 190, intervalMs: 10000 }`; false: not enforced. */
  rateLimit?: HubSpotRateLimit | false;
  /** The search endpoints' own limit (HubSpot: 5 per second, policy SECONDLY). Default: not enforced. */
  searchRequestsPerSecond?: number;
  /** How long a new or changed object stays invisible to search, as HubSpot's search index lags. Default 0. */
  searchIndexDelayMs?: number;
  /**
   * Whether the results of a batch create carry the input's `objectWriteTraceId`. HubSpot's API
   * schema (`SimplePublicObject.objectWriteTraceId`, in `@hubspot/api-client` 13.x) has the field;
   * the example answer of its error-handling guide does not show it. Default true; false emulates
   * the example, so a client must tell its results apart by their properties.
   */
  echoObjectWriteTraceId?: boolean;
}

/** A CRM object as the API returns it. Property values are strings, as HubSpot returns them. */
export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  /** In a batch create's results: the input's `objectWriteTraceId` (see {@link HubSpotEmulatorOptions.echoObjectWriteTraceId}). */
  objectWriteTraceId?: string;
}

/** A call engagement with the contacts it is associated with. */
export interface HubSpotCallRecord extends HubSpotObject {
  contactIds: string[];
}

/** One request as the emulator saw and answered it. */
export interface HubSpotRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The JSON body as parsed (the raw text when it was not JSON; undefined when empty). */
  body: unknown;
  status: number;
  response: unknown;
  receivedAt: Date;
}

/**
 * One failed input of a batch create answered `207 Multi-Status`, as HubSpot's error-handling
 * guide shows it: the input is named by its `objectWriteTraceId` in `context`.
 */
export interface HubSpotBatchInputError {
  status: 'error';
  category: string;
  message: string;
  context: { objectWriteTraceId: string[] };
  links: Record<string, string>;
  errors: unknown[];
}

type ObjectType = 'calls' | 'contacts';

interface StoredObject {
  id: string;
  properties: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A create input that passed validation, not yet stored. */
interface PreparedCreate {
  properties: Record<string, string>;
  links: { otherId: string; typeId: number }[];
}

interface PendingFailure {
  remaining: number;
  failure: HubSpotFailure;
  match?: string | RegExp;
}

/** HubSpot's association type ids between calls and contacts (category HUBSPOT_DEFINED). */
export const HUBSPOT_CALL_TO_CONTACT = 194;
export const HUBSPOT_CONTACT_TO_CALL = 193;

const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: '0-1', calls: '0-48' };
const ALL_SCOPES = '*';
const READ_SCOPE = 'crm.objects.contacts.read';
const WRITE_SCOPE = 'crm.objects.contacts.write';

/** HubSpot-defined call properties a client may set. */
const CALL_PROPERTIES = new Set([
  'hs_timestamp', 'hs_call_title', 'hs_call_body', 'hs_call_direction', 'hs_call_disposition', 'hs_call_duration',
  'hs_call_from_number', 'hs_call_to_number', 'hs_call_recording_url', 'hs_call_status', 'hubspot_owner_id',
  'hs_call_callee_object_id', 'hs_call_callee_object_type', 'hs_activity_type', 'hs_attachment_ids',
]);
const CALL_ENUMS: Record<string, string[]> = {
  hs_call_direction: ['INBOUND', 'OUTBOUND'],
  hs_call_status: ['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'NO_ANSWER', 'QUEUED', 'RINGING'],
};
const DEFAULT_RETURNED: Record<ObjectType, string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'createdate', 'lastmodifieddate', 'hs_object_id'],
  calls: ['hs_timestamp', 'hs_call_title', 'hs_call_status', 'hs_call_direction', 'hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};
// Search limits, from "Search the CRM" (Limits): five filterGroups, six filters each, 18 in all;
// 200 results a page; a body of at most 3,000 characters; no paging past 10,000 results.
const MAX_FILTER_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;
const MAX_SEARCH_PAGE = 200;
const MAX_SEARCH_BODY_CHARS = 3000;
const MAX_SEARCH_RESULTS = 10_000;
/** "Object API batch endpoints are limited to 100 inputs per request" (Using Object APIs, Limits). */
const MAX_BATCH_INPUTS = 100;

/** The shape of an error answer: HubSpot's `{ status: 'error', message, correlationId, category }`. */
function errorBody(message: string, category: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}
const validationError = (message: string, extra: Record<string, unknown> = {}): Answer =>
  ({ status: 400, body: errorBody(message, 'VALIDATION_ERROR', extra) });
const inputError = (traceId: string, category: string, message: string, errors: unknown[] = []): HubSpotBatchInputError =>
  ({ status: 'error', category, message, context: { objectWriteTraceId: [traceId] }, links: {}, errors });

/** What each rate-limit policy's 429 says. */
const RATE_LIMIT_MESSAGES: Record<HubSpotRateLimitPolicy, string> = {
  TEN_SECONDLY_ROLLING: 'You have reached your ten_secondly_rolling limit.',
  SECONDLY: 'You have reached your secondly limit.',
  DAILY: 'You have reached your daily limit.',
};

/** The body of a 429, as HubSpot documents it. */
export function hubSpotRateLimitBody(policy: HubSpotRateLimitPolicy, message = RATE_LIMIT_MESSAGES[policy]): Record<string, unknown> {
  return { status: 'error', message, errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: policy, requestId: randomUUID() };
}

/**
 * A local HubSpot CRM for sink tests, over real HTTP on loopback: call engagements
 * (`/crm/v3/objects/calls`, create / batch create / read / update / search), contacts (create /
 * batch create / read / search), call-to-contact associations (inline `associations` on create,
 * and the v4 association endpoints), Bearer-token auth with scopes, and the rate limits with
 * HubSpot's documented headers and bodies. It accepts what `@hubspot/api-client` sends
 * (`basePath: emulator.url`).
 *
 * Batch creates behave as HubSpot documents them: at most 100 inputs; all or nothing (the first
 * invalid input fails the request with 400) unless every input has an `objectWriteTraceId`, in
 * which case the valid inputs are created and the invalid ones are named in a `207 Multi-Status`
 * answer's `errors[].context.objectWriteTraceId`. HubSpot does not promise the results in input
 * order, so the emulator answers them in reverse order: a client that pairs results with inputs
 * by position fails its tests.
 *
 * ```ts
 * const hubspot = new HubSpotEmulator();
 * await hubspot.start();
 * const contact = hubspot.seedContact({ firstname: 'Jane', phone: '+12125551212' });
 * hubspot.failNext(1, { status: 429, policy: 'TEN_SECONDLY_ROLLING' });
 * // ... deliver, then inspect hubspot.calls[0].contactIds
 * await hubspot.stop();
 * ```
 */
export class HubSpotEmulator {
  /** The token valid (with every scope) by default. */
  static readonly DEFAULT_TOKEN = 'pat-na1-00000000-0000-4000-8000-emulator0000';

  /** Every request received, with the answer given, in order. */
  readonly requests: HubSpotRequestRecord[] = [];

  private readonly tokens = new Map<string, Set<string> | typeof ALL_SCOPES>();
  private readonly customCallProperties: Set<string>;
  private readonly objects: Record<ObjectType, Map<string, StoredObject>> = { calls: new Map(), contacts: new Map() };
  /** call id -> contact id -> association type ids */
  private readonly associations = new Map<string, Map<string, Set<number>>>();
  private readonly failures: PendingFailure[] = [];
  private readonly slow: { remaining: number; delayMs: number; match?: string | RegExp }[] = [];
  private waiting = 0;
  /** With {@link acceptCallsThenFail}: how many more calls may be created before creations fail. */
  private callBudget: number | undefined;
  private recent: number[] = [];
  private recentSearches: number[] = [];
  private dailyCount = 0;
  private nextId: Record<ObjectType, number> = { contacts: 1001, calls: 50001 };
  private readonly app = new Koa();
  private readonly listener: LoopbackServer;

  constructor(private readonly options: HubSpotEmulatorOptions = {}) {
    for (const token of options.tokens ?? [HubSpotEmulator.DEFAULT_TOKEN]) this.tokens.set(token, ALL_SCOPES);
    this.customCallProperties = new Set(options.customCallProperties ?? []);
    this.app.silent = true;
    this.listener = new LoopbackServer(this.app, 'HubSpotEmulator', options);
    this.app.use((ctx) => this.handle(ctx));
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  start(): Promise<string> {
    return this.listener.start();
  }

  /** Stops listening and closes open connections. Safe to call twice. */
  stop(): Promise<void> {
    return this.listener.stop();
  }

  /** The base URL; throws before {@link start}. */
  get url(): string {
    return this.listener.url;
  }

  /**
   * Makes a token valid, with the given scopes (default: every scope). A token without the scope
   * a request needs gets 403 `MISSING_SCOPES`: reads need `crm.objects.contacts.read`, writes
   * `crm.objects.contacts.write` (calls and contacts alike).
   */
  allowToken(token: string, scopes?: string[]): void {
    this.tokens.set(token, scopes ? new Set(scopes) : ALL_SCOPES);
  }

  /** Makes a token invalid: requests with it get 401 `INVALID_AUTHENTICATION`. */
  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** Defines a custom call property in the portal (see {@link HubSpotEmulatorOptions.customCallProperties}). */
  defineCallProperty(name: string): void {
    this.customCallProperties.add(name);
  }

  /**
   * Fails the next `count` requests the way described. With `options.match`, only requests whose
   * `"<METHOD> <path>"` equals the string (`'POST /crm/v3/objects/calls'`: creating a call, not
   * searching) or matches the RegExp count. Checked before authentication, like an edge proxy's
   * answer. Calls queue up: the first one is used up first.
   */
  failNext(count: number, failure: HubSpotFailure, options: { match?: string | RegExp } = {}): void {
    if (count > 0) this.failures.push({ remaining: count, failure, match: options.match });
  }

  /**
   * Accepts the next `count` call creations, then fails every further one retryably until
   * {@link clearFailures}: a single create gets 503; in a batch create with `objectWriteTraceId`s
   * the inputs past the budget are named in a 207's `errors` with category `INTERNAL_ERROR`, the
   * others are created (a batch that fails part way); without trace ids the whole batch gets 503
   * and nothing is created. HubSpot documents no category for an input that may pass later; the
   * emulator's choice is `INTERNAL_ERROR`.
   */
  acceptCallsThenFail(count: number): void {
    this.callBudget = Math.max(0, count);
  }

  /**
   * Answers the next `count` requests (those matching `options.match`, as in {@link failNext}) only
   * after `delayMs`: a slow or hanging HubSpot, for clients that must not wait on it. The request is
   * recorded in {@link requests} when it is answered; {@link waitingRequests} counts those held.
   */
  slowNext(count: number, delayMs: number, options: { match?: string | RegExp } = {}): void {
    if (count > 0) this.slow.push({ remaining: count, delayMs, match: options.match });
  }

  /** Requests received and held by {@link slowNext}, not answered yet. */
  get waitingRequests(): number {
    return this.waiting;
  }

  private takeSlow(request: string): number | undefined {
    const index = this.slow.findIndex((s) => s.match === undefined || (typeof s.match === 'string' ? request === s.match : s.match.test(request)));
    if (index < 0) return undefined;
    const pending = this.slow[index]!;
    if (--pending.remaining <= 0) this.slow.splice(index, 1);
    return pending.delayMs;
  }

  /** Drops the failures {@link failNext} queued and not used up yet, the delays of {@link slowNext}, and the budget of {@link acceptCallsThenFail}. */
  clearFailures(): void {
    this.failures.length = 0;
    this.slow.length = 0;
    this.callBudget = undefined;
  }

  /** Creates a contact directly (no request, no rate limit); returns it with its id. Searchable at once. */
  seedContact(properties: Record<string, string>): HubSpotObject {
    const stored = this.insert('contacts', properties, Date.now() - (this.options.searchIndexDelayMs ?? 0));
    return this.view('contacts', stored, undefined);
  }

  /** The contacts, in creation order, with the properties set on them (unset ones are absent). */
  get contacts(): HubSpotObject[] {
    return [...this.objects.contacts.values()].map((o) => this.view('contacts', o, Object.keys(o.properties)));
  }

  /** The call engagements, in creation order, with the properties set on them and the contact ids they are associated with. */
  get calls(): HubSpotCallRecord[] {
    return [...this.objects.calls.values()].map((o) => ({ ...this.view('calls', o, Object.keys(o.properties)), contactIds: [...(this.associations.get(o.id)?.keys() ?? [])] }));
  }

  /** Deletes every contact, call and association (ids keep counting up). */
  clearObjects(): void {
    this.objects.calls.clear();
    this.objects.contacts.clear();
    this.associations.clear();
  }

  /** Forgets recorded requests, pending failures and rate-limit windows. Objects, tokens and properties stay. */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.slow.length = 0;
    this.callBudget = undefined;
    this.recent = [];
    this.recentSearches = [];
    this.dailyCount = 0;
  }

  // --- request pipeline: body, injected failure, auth, scopes, rate limits, route ---

  private async handle(ctx: Koa.Context): Promise<void> {
    const receivedAt = new Date();
    const slow = this.takeSlow(`${ctx.method} ${ctx.path}`);
    if (slow !== undefined) {
      this.waiting += 1;
      // Unref'd: a test that stops the emulator does not wait for a delay no one will read.
      await new Promise<void>((resolve) => setTimeout(resolve, slow).unref());
      this.waiting -= 1;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.headers)) if (typeof value === 'string') headers[name] = value;
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.query)) if (typeof value === 'string') query[name] = value;
    let body: unknown;
    let answer: Answer;
    try {
      const text = (await getRawBody(ctx.req, { limit: '2mb' })).toString('utf8');
      body = text === '' ? undefined : text;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw validationError(`Invalid input JSON: ${(err as Error).message}`);
        }
      }
      answer = this.answer(ctx.method, ctx.path, query, body, text, ctx.get('authorization'));
    } catch (err) {
      answer = isAnswer(err) ? err : { status: 500, body: errorBody('internal error', 'INTERNAL_ERROR') };
    }
    this.requests.push({ method: ctx.method, path: ctx.path, query, headers, body, status: answer.status, response: answer.body, receivedAt });
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    if (answer.body !== undefined) {
      ctx.type = 'application/json';
      ctx.body = JSON.stringify(answer.body);
    }
  }

  private answer(method: string, path: string, query: Record<string, string>, body: unknown, text: string, authorization: string): Answer {
    const injected = this.injectedFailure(`${method} ${path}`);
    if (injected) return injected;

    const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    if (!token) {
      return { status: 401, body: errorBody('Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview', 'INVALID_AUTHENTICATION') };
    }
    const scopes = this.tokens.get(token);
    if (!scopes) {
      return { status: 401, body: errorBody('The access token provided is not valid: it is unknown, expired or was revoked.', 'INVALID_AUTHENTICATION') };
    }

    const route = this.route(method, path);
    if (!route) return { status: 404, body: errorBody(`No route matches ${method} ${path}`, 'OBJECT_NOT_FOUND') };
    if (scopes !== ALL_SCOPES && !scopes.has(route.scope)) {
      return {
        status: 403,
        body: errorBody("This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", 'MISSING_SCOPES', {
          errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [route.scope] } }],
          links: { scopes: 'https://developers.hubspot.com/scopes' },
        }),
      };
    }

    const limited = this.rateLimited(route.search);
    if (limited) return limited;
    const answer = route.run(query, body, text);
    return { ...answer, headers: { ...this.rateLimitHeaders(), ...answer.headers } };
  }

  private route(method: string, path: string): { scope: string; search: boolean; run: (query: Record<string, string>, body: unknown, text: string) => Answer } | undefined {
    const typeOf = (segment: string | undefined): ObjectType | undefined =>
      segment === 'calls' || segment === '0-48' ? 'calls' : segment === 'contacts' || segment === '0-1' ? 'contacts' : undefined;
    const batch = /^\/crm\/v3\/objects\/([^/]+)\/batch\/create\/?$/.exec(path);
    if (batch && method === 'POST') {
      const type = typeOf(batch[1]);
      if (!type) return { scope: WRITE_SCOPE, search: false, run: () => validationError(`Unable to infer object type from: ${batch[1]}`) };
      return { scope: WRITE_SCOPE, search: false, run: (_q, body) => this.batchCreate(type, body) };
    }
    const v3 = /^\/crm\/v3\/objects\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    if (v3) {
      const type = typeOf(v3[1]);
      if (!type) return { scope: READ_SCOPE, search: false, run: () => validationError(`Unable to infer object type from: ${v3[1]}`) };
      const id = v3[2];
      if (id === 'search' && method === 'POST') return { scope: READ_SCOPE, search: true, run: (_q, body, text) => this.search(type, body, text) };
      if (id === undefined && method === 'POST') return { scope: WRITE_SCOPE, search: false, run: (_q, body) => this.create(type, body) };
      if (id !== undefined && method === 'GET') return { scope: READ_SCOPE, search: false, run: (q) => this.read(type, id, q) };
      if (id !== undefined && method === 'PATCH') return { scope: WRITE_SCOPE, search: false, run: (_q, body) => this.update(type, id, body) };
      return undefined;
    }
    const v4 = /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/(?:(default)\/)?([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    if (v4 && typeOf(v4[1]) === 'calls' && typeOf(v4[4]) === 'contacts') {
      const [, , callId, isDefault, , contactId] = v4 as unknown as [string, string, string, string | undefined, string, string | undefined];
      if (method === 'GET' && !isDefault && contactId === undefined) return { scope: READ_SCOPE, search: false, run: () => this.listAssociations(callId) };
      if (method === 'PUT' && contactId !== undefined) {
        return { scope: WRITE_SCOPE, search: false, run: (_q, body) => (isDefault ? this.associateDefault(callId, contactId) : this.associateLabelled(callId, contactId, body)) };
      }
    }
    return undefined;
  }

  private injectedFailure(request: string): Answer | undefined {
    const index = this.failures.findIndex((f) => f.match === undefined || (typeof f.match === 'string' ? request === f.match : f.match.test(request)));
    if (index < 0) return undefined;
    const pending = this.failures[index]!;
    if (--pending.remaining <= 0) this.failures.splice(index, 1);
    const { failure } = pending;
    const headers: Record<string, string> = failure.retryAfterSec !== undefined ? { 'retry-after': String(failure.retryAfterSec) } : {};
    if (failure.status === 429) {
      const policy = failure.policy ?? 'TEN_SECONDLY_ROLLING';
      const limit = this.options.rateLimit || { max: 190, intervalMs: 10_000 };
      const window = policy === 'SECONDLY' ? { max: this.options.searchRequestsPerSecond ?? 5, intervalMs: 1000 } : limit;
      return {
        status: 429,
        body: hubSpotRateLimitBody(policy, failure.message),
        headers: {
          'x-hubspot-ratelimit-max': String(window.max),
          'x-hubspot-ratelimit-remaining': '0',
          'x-hubspot-ratelimit-interval-milliseconds': String(window.intervalMs),
          ...(policy === 'DAILY' ? { 'x-hubspot-ratelimit-daily-remaining': '0' } : {}),
          ...headers,
        },
      };
    }
    const category = failure.category ?? (failure.status >= 500 ? 'INTERNAL_ERROR' : failure.status === 401 ? 'INVALID_AUTHENTICATION' : failure.status === 403 ? 'MISSING_SCOPES' : 'VALIDATION_ERROR');
    return { status: failure.status, body: errorBody(failure.message ?? (failure.status >= 500 ? 'internal error' : `request failed with status ${failure.status}`), category), headers };
  }

  /** A 429 when a limit is used up, else undefined (and the request is counted). */
  private rateLimited(search: boolean): Answer | undefined {
    const now = Date.now();
    this.dailyCount += 1;
    if (search && this.options.searchRequestsPerSecond !== undefined) {
      this.recentSearches = this.recentSearches.filter((t) => t > now - 1000);
      if (this.recentSearches.length >= this.options.searchRequestsPerSecond) {
        return { status: 429, body: hubSpotRateLimitBody('SECONDLY'), headers: { 'x-hubspot-ratelimit-max': String(this.options.searchRequestsPerSecond), 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '1000' } };
      }
      this.recentSearches.push(now);
    }
    const limit = this.options.rateLimit === undefined ? { max: 190, intervalMs: 10_000 } : this.options.rateLimit;
    if (!limit) return undefined;
    this.recent = this.recent.filter((t) => t > now - limit.intervalMs);
    if (this.recent.length >= limit.max) {
      return { status: 429, body: hubSpotRateLimitBody('TEN_SECONDLY_ROLLING'), headers: this.rateLimitHeaders() };
    }
    this.recent.push(now);
    return undefined;
  }

  /** The X-HubSpot-RateLimit-* headers HubSpot sends on private-app responses. */
  private rateLimitHeaders(): Record<string, string> {
    const limit = this.options.rateLimit === undefined ? { max: 190, intervalMs: 10_000 } : this.options.rateLimit;
    const daily = 500_000;
    return {
      'x-hubspot-ratelimit-daily': String(daily),
      'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, daily - this.dailyCount)),
      ...(limit ? {
        'x-hubspot-ratelimit-interval-milliseconds': String(limit.intervalMs),
        'x-hubspot-ratelimit-max': String(limit.max),
        'x-hubspot-ratelimit-remaining': String(Math.max(0, limit.max - this.recent.length)),
      } : {}),
    };
  }

  // --- objects ---

  private insert(type: ObjectType, properties: Record<string, string>, at = Date.now()): StoredObject {
    const id = String(this.nextId[type]++);
    const stored: StoredObject = { id, properties: { ...properties }, createdAt: at, updatedAt: at };
    this.objects[type].set(id, stored);
    return stored;
  }

  /** The API form of an object: requested properties (or the defaults) plus the system ones. */
  private view(type: ObjectType, stored: StoredObject, requested: string[] | undefined): HubSpotObject {
    const created = new Date(stored.createdAt).toISOString();
    const updated = new Date(stored.updatedAt).toISOString();
    const system: Record<string, string> = type === 'calls'
      ? { hs_createdate: created, hs_lastmodifieddate: updated, hs_object_id: stored.id }
      : { createdate: created, lastmodifieddate: updated, hs_object_id: stored.id };
    const all: Record<string, string | null> = { ...stored.properties, ...system };
    const names = requested ?? [...new Set([...DEFAULT_RETURNED[type], ...Object.keys(stored.properties)])];
    const properties: Record<string, string | null> = {};
    for (const name of new Set([...names, ...Object.keys(system)])) properties[name] = all[name] ?? null;
    return { id: stored.id, properties, createdAt: created, updatedAt: updated, archived: false };
  }

  /** Validates and normalises properties as HubSpot does (values become strings), or throws an error answer. */
  private properties(type: ObjectType, input: unknown, creating: boolean): Record<string, string> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw validationError('properties must be an object of property name: value');
    const out: Record<string, string> = {};
    const problems: Record<string, unknown>[] = [];
    for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
      if (raw === null || raw === undefined) continue;
      let value = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : JSON.stringify(raw);
      if (type === 'calls') {
        if (!CALL_PROPERTIES.has(name) && !this.customCallProperties.has(name)) {
          problems.push({ isValid: false, message: `Property "${name}" does not exist`, error: 'PROPERTY_DOESNT_EXIST', name });
          continue;
        }
        const options = CALL_ENUMS[name];
        if (options && !options.includes(value)) {
          problems.push({ isValid: false, message: `${value} was not one of the allowed options: [${options.join(', ')}]`, error: 'INVALID_OPTION', name });
          continue;
        }
        if (name === 'hs_call_duration' && !/^\d+$/.test(value)) {
          problems.push({ isValid: false, message: `${value} is not a valid integer`, error: 'INVALID_INTEGER', name });
          continue;
        }
        if (name === 'hs_call_recording_url' && !/^https:\/\//i.test(value)) {
          problems.push({ isValid: false, message: 'Only HTTPS URLs are accepted', error: 'INVALID_URL', name });
          continue;
        }
        if (name === 'hs_timestamp') {
          const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
          if (Number.isNaN(time)) {
            problems.push({ isValid: false, message: `${value} is not a valid date: use milliseconds since the epoch or an ISO 8601 UTC time`, error: 'INVALID_DATE', name });
            continue;
          }
          value = new Date(time).toISOString();
        }
      }
      out[name] = value;
    }
    if (type === 'calls' && creating && out.hs_timestamp === undefined && !problems.some((p) => p.name === 'hs_timestamp')) {
      problems.push({ isValid: false, message: 'hs_timestamp is required', error: 'REQUIRED_PROPERTY', name: 'hs_timestamp' });
    }
    if (problems.length) throw validationError(`Property values were not valid: ${JSON.stringify(problems)}`, { errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })) });
    return out;
  }

  private create(type: ObjectType, body: unknown): Answer {
    const prepared = this.prepareCreate(type, body);
    if (type === 'calls' && !this.takeCallBudget(1)) return { status: 503, body: errorBody('internal error', 'INTERNAL_ERROR') };
    const stored = this.commitCreate(type, prepared);
    return { status: 201, body: this.view(type, stored, [...new Set([...DEFAULT_RETURNED[type], ...Object.keys(prepared.properties)])]) };
  }

  /**
   * `POST /crm/v3/objects/{type}/batch/create`: `{ inputs: [{ properties, associations, objectWriteTraceId }] }`.
   * 201 `{ status: 'COMPLETE', results, startedAt, completedAt }` when every input is created; with
   * an `objectWriteTraceId` on every input, 207 with `numErrors` and `errors` naming the inputs that
   * were not; otherwise all or nothing.
   */
  private batchCreate(type: ObjectType, body: unknown): Answer {
    const startedAt = new Date().toISOString();
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) throw validationError('inputs must be a non-empty list of { properties, associations }');
    if (inputs.length > MAX_BATCH_INPUTS) throw validationError(`Batch input size ${inputs.length} exceeds the limit of ${MAX_BATCH_INPUTS} inputs per request.`);
    const traceIds = inputs.map((input) => (input as { objectWriteTraceId?: unknown })?.objectWriteTraceId);
    const multiStatus = traceIds.every((id) => typeof id === 'string' && id !== '');

    const prepared: { traceId?: string; create?: PreparedCreate; error?: HubSpotBatchInputError }[] = inputs.map((input, i) => {
      const traceId = multiStatus ? traceIds[i] as string : undefined;
      try {
        return { traceId, create: this.prepareCreate(type, input) };
      } catch (err) {
        if (!multiStatus || !isAnswer(err)) throw err;
        const refused = err.body as { category?: string; message?: string; errors?: unknown[] };
        return { traceId, error: inputError(traceId!, refused.category ?? 'VALIDATION_ERROR', refused.message ?? 'invalid input', refused.errors ?? []) };
      }
    });
    if (!multiStatus && type === 'calls' && !this.takeCallBudget(prepared.length)) return { status: 503, body: errorBody('internal error', 'INTERNAL_ERROR') };

    const results: HubSpotObject[] = [];
    const errors: HubSpotBatchInputError[] = [];
    for (const item of prepared) {
      if (item.error) { errors.push(item.error); continue; }
      if (multiStatus && type === 'calls' && !this.takeCallBudget(1)) { errors.push(inputError(item.traceId!, 'INTERNAL_ERROR', 'internal error')); continue; }
      const stored = this.commitCreate(type, item.create!);
      const view = this.view(type, stored, [...new Set([...DEFAULT_RETURNED[type], ...Object.keys(item.create!.properties)])]);
      results.push(item.traceId !== undefined && this.options.echoObjectWriteTraceId !== false ? { ...view, objectWriteTraceId: item.traceId } : view);
    }
    // HubSpot does not answer in input order (HubSpot/hubspot-api-nodejs#190): reversed here, so order is never relied on.
    results.reverse();
    const completedAt = new Date().toISOString();
    if (errors.length === 0) return { status: 201, body: { status: 'COMPLETE', results, startedAt, completedAt } };
    return { status: 207, body: { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt } };
  }

  /** Uses up `count` of the {@link acceptCallsThenFail} budget; false (nothing used) when it does not cover them. */
  private takeCallBudget(count: number): boolean {
    if (this.callBudget === undefined) return true;
    if (this.callBudget < count) return false;
    this.callBudget -= count;
    return true;
  }

  /** Validates one create input (properties, inline associations, a contact's unique email); throws an error answer. */
  private prepareCreate(type: ObjectType, body: unknown): PreparedCreate {
    const input = (body ?? {}) as { properties?: unknown; associations?: unknown };
    const properties = this.properties(type, input.properties ?? {}, true);
    // Inline associations: a call to contacts (type 194), or a contact to calls (type 193).
    const other: ObjectType = type === 'calls' ? 'contacts' : 'calls';
    const expectedType = type === 'calls' ? HUBSPOT_CALL_TO_CONTACT : HUBSPOT_CONTACT_TO_CALL;
    const links: { otherId: string; typeId: number }[] = [];
    if (input.associations !== undefined) {
      if (!Array.isArray(input.associations)) throw validationError('associations must be a list of { to: { id }, types: [{ associationCategory, associationTypeId }] }');
      for (const association of input.associations as { to?: { id?: unknown }; types?: { associationCategory?: unknown; associationTypeId?: unknown }[] }[]) {
        const otherId = String(association?.to?.id ?? '');
        if (!this.objects[other].has(otherId)) throw validationError(`One or more associations are invalid: no ${other === 'calls' ? 'call' : 'contact'} with id ${otherId}`);
        const types = Array.isArray(association.types) ? association.types : [];
        if (types.length === 0) throw validationError('an association needs at least one type');
        for (const t of types) links.push({ otherId, typeId: this.checkedType(t.associationCategory, t.associationTypeId, expectedType) });
      }
    }
    if (type === 'contacts') {
      const email = properties.email?.toLowerCase();
      const existing = email ? [...this.objects.contacts.values()].find((c) => c.properties.email?.toLowerCase() === email) : undefined;
      if (existing) throw { status: 409, body: errorBody(`Contact already exists. Existing ID: ${existing.id}`, 'CONFLICT') } satisfies Answer;
    }
    return { properties, links };
  }

  private commitCreate(type: ObjectType, prepared: PreparedCreate): StoredObject {
    const stored = this.insert(type, prepared.properties);
    for (const { otherId, typeId } of prepared.links) {
      if (type === 'calls') this.link(stored.id, otherId, typeId);
      else this.link(otherId, stored.id, typeId === HUBSPOT_CONTACT_TO_CALL ? HUBSPOT_CALL_TO_CONTACT : typeId);
    }
    return stored;
  }

  private read(type: ObjectType, id: string, query: Record<string, string>): Answer {
    const stored = this.objects[type].get(id);
    if (!stored) return { status: 404, body: errorBody('Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND', { context: { id: [id] } }) };
    const requested = query.properties ? query.properties.split(',').map((p) => p.trim()).filter(Boolean) : undefined;
    const view: HubSpotObject & { associations?: unknown } = this.view(type, stored, requested);
    if (type === 'calls' && query.associations?.split(',').includes('contacts')) {
      view.associations = { contacts: { results: [...(this.associations.get(id)?.keys() ?? [])].map((contactId) => ({ id: contactId, type: 'call_to_contact' })) } };
    }
    return { status: 200, body: view };
  }

  private update(type: ObjectType, id: string, body: unknown): Answer {
    const stored = this.objects[type].get(id);
    if (!stored) return { status: 404, body: errorBody('Object not found.  objectId are usually numeric.', 'OBJECT_NOT_FOUND', { context: { id: [id] } }) };
    const properties = this.properties(type, (body as { properties?: unknown } | undefined)?.properties ?? {}, false);
    Object.assign(stored.properties, properties);
    stored.updatedAt = Date.now();
    return { status: 200, body: this.view(type, stored, undefined) };
  }

  // --- search ---

  private search(type: ObjectType, body: unknown, text: string): Answer {
    if (text.length > MAX_SEARCH_BODY_CHARS) throw validationError(`The request body has ${text.length} characters; a search query can contain a maximum of ${MAX_SEARCH_BODY_CHARS}.`);
    const request = (body ?? {}) as { filterGroups?: unknown; sorts?: unknown; properties?: unknown; limit?: unknown; after?: unknown; query?: unknown };
    const groups = Array.isArray(request.filterGroups) ? request.filterGroups as { filters?: SearchFilter[] }[] : [];
    if (groups.length > MAX_FILTER_GROUPS) throw validationError(`There was a problem with the request. Up to ${MAX_FILTER_GROUPS} filterGroups are allowed.`);
    let total = 0;
    for (const group of groups) {
      const filters = Array.isArray(group?.filters) ? group.filters : [];
      if (filters.length > MAX_FILTERS_PER_GROUP) throw validationError(`Up to ${MAX_FILTERS_PER_GROUP} filters per filterGroup are allowed.`);
      total += filters.length;
      for (const filter of filters) if (typeof filter?.propertyName !== 'string' || typeof filter.operator !== 'string') throw validationError('each filter needs propertyName and operator');
    }
    if (total > MAX_FILTERS) throw validationError(`Up to ${MAX_FILTERS} filters in total are allowed.`);
    const limit = request.limit === undefined ? 10 : Number(request.limit);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SEARCH_PAGE) throw validationError(`limit must be an integer between 0 and ${MAX_SEARCH_PAGE}`);
    const offset = request.after === undefined || request.after === null || request.after === '' ? 0 : Number(request.after);
    if (!Number.isInteger(offset) || offset < 0) throw validationError('after must be a paging cursor from a previous answer');
    if (offset + limit > MAX_SEARCH_RESULTS) throw validationError(`Paging past ${MAX_SEARCH_RESULTS} results is not supported.`);

    const visibleBefore = Date.now() - (this.options.searchIndexDelayMs ?? 0);
    const all = (stored: StoredObject): Record<string, string> => ({ ...stored.properties, hs_object_id: stored.id, ...(type === 'calls' ? { hs_createdate: String(stored.createdAt) } : { createdate: String(stored.createdAt) }) });
    let matches = [...this.objects[type].values()]
      .filter((o) => o.updatedAt <= visibleBefore)
      .filter((o) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matchesFilter(all(o)[f.propertyName], f))));
    const sorts = Array.isArray(request.sorts) ? request.sorts as (string | { propertyName?: string; direction?: string })[] : [];
    const sort = sorts[0];
    if (sort) {
      const name = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName ?? 'hs_object_id';
      const descending = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
      matches = matches.sort((a, b) => compareValues(all(a)[name], all(b)[name]) * (descending ? -1 : 1));
    }
    const requested = Array.isArray(request.properties) && request.properties.length ? request.properties.map(String) : undefined;
    const page = matches.slice(offset, offset + limit);
    const next = offset + limit < matches.length ? { paging: { next: { after: String(offset + limit) } } } : {};
    return { status: 200, body: { total: matches.length, results: page.map((o) => this.view(type, o, requested ?? DEFAULT_RETURNED[type])), ...next } };
  }

  // --- associations ---

  private checkedType(category: unknown, typeId: unknown, expected: number = HUBSPOT_CALL_TO_CONTACT): number {
    const id = Number(typeId);
    if (category !== 'HUBSPOT_DEFINED' && category !== 'USER_DEFINED' && category !== 'INTEGRATOR_DEFINED') throw validationError(`associationCategory must be HUBSPOT_DEFINED, USER_DEFINED or INTEGRATOR_DEFINED, not ${String(category)}`);
    if (!Number.isInteger(id)) throw validationError('associationTypeId must be an integer');
    if (category === 'HUBSPOT_DEFINED' && id !== expected) {
      const direction = expected === HUBSPOT_CALL_TO_CONTACT ? 'from calls to contacts' : 'from contacts to calls';
      throw validationError(`${id} is not a valid HUBSPOT_DEFINED association type ${direction} (use ${expected})`);
    }
    return id;
  }

  private link(callId: string, contactId: string, typeId: number): void {
    const byContact = this.associations.get(callId) ?? new Map<string, Set<number>>();
    byContact.set(contactId, (byContact.get(contactId) ?? new Set()).add(typeId));
    this.associations.set(callId, byContact);
  }

  private missing(callId: string, contactId: string): Answer | undefined {
    if (!this.objects.calls.has(callId)) return { status: 404, body: errorBody(`No call with id ${callId}`, 'OBJECT_NOT_FOUND') };
    if (!this.objects.contacts.has(contactId)) return { status: 404, body: errorBody(`No contact with id ${contactId}`, 'OBJECT_NOT_FOUND') };
    return undefined;
  }

  private associateDefault(callId: string, contactId: string): Answer {
    const missing = this.missing(callId, contactId);
    if (missing) return missing;
    this.link(callId, contactId, HUBSPOT_CALL_TO_CONTACT);
    const now = new Date().toISOString();
    return {
      status: 200,
      body: {
        status: 'COMPLETE',
        results: [
          { from: { id: callId }, to: { id: contactId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HUBSPOT_CALL_TO_CONTACT } },
          { from: { id: contactId }, to: { id: callId }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: HUBSPOT_CONTACT_TO_CALL } },
        ],
        startedAt: now,
        completedAt: now,
      },
    };
  }

  private associateLabelled(callId: string, contactId: string, body: unknown): Answer {
    const missing = this.missing(callId, contactId);
    if (missing) return missing;
    if (!Array.isArray(body) || body.length === 0) throw validationError('the body is a list of { associationCategory, associationTypeId }');
    const types = (body as { associationCategory?: unknown; associationTypeId?: unknown }[]).map((t) => this.checkedType(t?.associationCategory, t?.associationTypeId));
    for (const typeId of types) this.link(callId, contactId, typeId);
    return { status: 201, body: { fromObjectTypeId: OBJECT_TYPE_IDS.calls, fromObjectId: Number(callId), toObjectTypeId: OBJECT_TYPE_IDS.contacts, toObjectId: Number(contactId), labels: [] } };
  }

  private listAssociations(callId: string): Answer {
    if (!this.objects.calls.has(callId)) return { status: 404, body: errorBody(`No call with id ${callId}`, 'OBJECT_NOT_FOUND') };
    const results = [...(this.associations.get(callId) ?? new Map<string, Set<number>>()).entries()].map(([contactId, typeIds]) => ({
      toObjectId: Number(contactId),
      associationTypes: [...typeIds].map((typeId) => ({ category: typeId === HUBSPOT_CALL_TO_CONTACT ? 'HUBSPOT_DEFINED' : 'USER_DEFINED', typeId, label: null })),
    }));
    return { status: 200, body: { results } };
  }
}

interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

function isAnswer(value: unknown): value is Answer {
  return typeof value === 'object' && value !== null && typeof (value as Answer).status === 'number' && !(value instanceof Error);
}

function compareValues(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  const nx = Number(x);
  const ny = Number(y);
  if (x !== '' && y !== '' && !Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny;
  return x.localeCompare(y);
}

/**
 * HubSpot's search operators. String comparisons ignore case, as HubSpot's do, except `IN` and
 * `NOT_IN`: "the searched values must be lowercase" (Search the CRM), so a value with a capital
 * letter matches nothing.
 */
function matchesFilter(actual: string | undefined, filter: SearchFilter): boolean {
  const value = filter.value === undefined ? undefined : String(filter.value).toLowerCase();
  const have = actual?.toLowerCase();
  const values = (filter.values ?? []).map((v) => String(v));
  switch (filter.operator) {
    case 'EQ': return have !== undefined && have === value;
    case 'NEQ': return have !== value;
    case 'LT': return have !== undefined && compareValues(have, value) < 0;
    case 'LTE': return have !== undefined && compareValues(have, value) <= 0;
    case 'GT': return have !== undefined && compareValues(have, value) > 0;
    case 'GTE': return have !== undefined && compareValues(have, value) >= 0;
    case 'BETWEEN': return have !== undefined && compareValues(have, value) >= 0 && compareValues(have, filter.highValue === undefined ? undefined : String(filter.highValue)) <= 0;
    case 'IN': return have !== undefined && values.includes(have);
    case 'NOT_IN': return have === undefined || !values.includes(have);
    case 'HAS_PROPERTY': return have !== undefined && have !== '';
    case 'NOT_HAS_PROPERTY': return have === undefined || have === '';
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const pattern = new RegExp(`(^|\\W)${(value ?? '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}(\\W|$)`, 'i');
      const found = have !== undefined && pattern.test(have);
      return filter.operator === 'CONTAINS_TOKEN' ? found : !found;
    }
    default:
      throw validationError(`Unknown operator ${filter.operator}`);
  }
}
