import type { HttpClient } from '@callrelay/core';

/** A CRM object as HubSpot returns it (property values are strings). */
export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  /** In a batch create's results: the input's trace id, when HubSpot echoes it (its API schema has the field). */
  objectWriteTraceId?: string;
}

/** One page of search results; `next` is the `after` cursor of the next page, absent on the last. */
export interface SearchPage {
  results: HubSpotObject[];
  total?: number;
  next?: string;
}

/** One filter of a CRM search (`EQ` with `value`, `IN` with `values`, `HAS_PROPERTY`...). */
export interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

/** A CRM search: any group may match; within a group every filter must. */
export interface SearchRequest {
  filterGroups: { filters: SearchFilter[] }[];
  properties?: string[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  limit?: number;
  /** The paging cursor of the previous page's `paging.next.after`. */
  after?: string;
}

/** An association in a create body: HubSpot-defined type ids (194: call to contact). */
export interface InlineAssociation {
  to: { id: string };
  types: { associationCategory: 'HUBSPOT_DEFINED' | 'USER_DEFINED'; associationTypeId: number }[];
}

/** HubSpot answered with an error status. `action` says what the sink was doing. */
export class HubSpotApiError extends Error {
  constructor(
    readonly action: string,
    readonly status: number,
    /** The JSON error body (`{ status: 'error', message, category, ... }`), or the text when not JSON. */
    readonly body: unknown,
    readonly headers: Headers,
  ) {
    super(`${action}: HubSpot answered ${status}${HubSpotApiError.summary(body)}`);
    this.name = 'HubSpotApiError';
  }

  /** `category` of the error body (`INVALID_AUTHENTICATION`, `MISSING_SCOPES`, `VALIDATION_ERROR`...). */
  get category(): string | undefined {
    return field(this.body, 'category');
  }

  /** `policyName` of a 429 body (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`). */
  get policyName(): string | undefined {
    return field(this.body, 'policyName');
  }

  /** ` MISSING_SCOPES: This app hasn't been granted...`: what the body says, briefly. */
  static summary(body: unknown): string {
    const category = field(body, 'category') ?? field(body, 'errorType');
    const message = field(body, 'message') ?? (typeof body === 'string' ? body.replace(/\s+/g, ' ').trim().slice(0, 200) : undefined);
    return [category ? ` ${category}` : '', message ? `: ${message}` : ''].join('');
  }
}

/** One input of a batch create. `objectWriteTraceId` asks HubSpot to name the failed inputs instead of failing them all. */
export interface BatchCreateInput {
  properties: Record<string, string>;
  associations: InlineAssociation[];
  objectWriteTraceId: string;
}

/** A failed input of a batch create (`207 Multi-Status`): `context.objectWriteTraceId` names it. */
export interface BatchInputError {
  category?: string;
  message?: string;
  context?: { objectWriteTraceId?: string[] };
}

/** A batch create's answer: 201 (all created) or 207 (some created, the others in `errors`). */
export interface BatchCreateAnswer {
  status: number;
  results: HubSpotObject[];
  errors: BatchInputError[];
}

/** HubSpot refused one input of a batch create that created the others. */
export class HubSpotInputError extends Error {
  constructor(readonly action: string, readonly category: string, detail: string) {
    super(`${action}: HubSpot refused it: ${category}${detail ? `: ${detail}` : ''}`);
    this.name = 'HubSpotInputError';
  }
}

/** No answer from HubSpot (connection refused, reset, DNS, aborted). The network error is the `cause`. */
export class HubSpotRequestError extends Error {
  constructor(readonly action: string, cause: unknown) {
    super(`${action}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'HubSpotRequestError';
  }
}

function field(body: unknown, name: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The few CRM v3 endpoints the sink uses (search, create, batch create), over the host's `fetch`. Not `@hubspot/api-client`: its
 * requests go through its own `node-fetch` without an `AbortSignal` (an attempt the engine timed
 * out would go on and could still create a call while the retry creates another), its retry and
 * limiter settings are process-wide (a singleton decorator service shared by every client in the
 * process, so one plugin's settings change another's), and it waits fixed times instead of what
 * HubSpot's headers say.
 */
export class HubSpotClient {
  private readonly baseUrl: string;

  constructor(baseUrl: string, private readonly accessToken: string, private readonly http: HttpClient) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Searches objects; throws {@link HubSpotApiError} on an error status, {@link HubSpotRequestError} without an answer. */
  async search(type: 'contacts' | 'calls', request: SearchRequest, signal: AbortSignal, action: string): Promise<HubSpotObject[]> {
    return (await this.searchPage(type, request, signal, action)).results;
  }

  /** One page of a search, with the cursor of the next. */
  async searchPage(type: 'contacts' | 'calls', request: SearchRequest, signal: AbortSignal, action: string): Promise<SearchPage> {
    const answer = await this.request<{ results?: HubSpotObject[]; total?: number; paging?: { next?: { after?: string } } }>('POST', `/crm/v3/objects/${type}/search`, request, signal, action);
    const next = answer?.paging?.next?.after;
    return { results: answer?.results ?? [], total: answer?.total, ...(next ? { next } : {}) };
  }

  /** Creates an object, with associations in the same request. */
  async create(type: 'contacts' | 'calls', properties: Record<string, string>, associations: InlineAssociation[], signal: AbortSignal, action: string): Promise<HubSpotObject> {
    return this.request<HubSpotObject>('POST', `/crm/v3/objects/${type}`, { properties, ...(associations.length ? { associations } : {}) }, signal, action);
  }

  /** Creates up to 100 objects in one request (`batch/create`); per-input failures come back in `errors` (207). */
  async createBatch(type: 'contacts' | 'calls', inputs: BatchCreateInput[], signal: AbortSignal, action: string): Promise<BatchCreateAnswer> {
    const body = { inputs: inputs.map((i) => ({ properties: i.properties, ...(i.associations.length ? { associations: i.associations } : {}), objectWriteTraceId: i.objectWriteTraceId })) };
    const { status, body: answer } = await this.exchange<{ results?: HubSpotObject[]; errors?: BatchInputError[] }>('POST', `/crm/v3/objects/${type}/batch/create`, body, signal, action);
    return { status, results: Array.isArray(answer?.results) ? answer.results : [], errors: Array.isArray(answer?.errors) ? answer.errors : [] };
  }

  private async request<T>(method: string, path: string, body: unknown, signal: AbortSignal, action: string): Promise<T> {
    return (await this.exchange<T>(method, path, body, signal, action)).body;
  }

  /** Sends one request; a 2xx answer's status and parsed body, else the error thrown. */
  private async exchange<T>(method: string, path: string, body: unknown, signal: AbortSignal, action: string): Promise<{ status: number; body: T }> {
    let response: Response;
    let text: string;
    try {
      response = await this.http(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.accessToken}`, 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'callrelay' },
        body: JSON.stringify(body),
        signal,
        redirect: 'manual',
      });
      text = await response.text();
    } catch (err) {
      throw new HubSpotRequestError(action, err);
    }
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // An HTML error page from a proxy: kept as text for the reason.
    }
    if (response.status < 200 || response.status >= 300) throw new HubSpotApiError(action, response.status, parsed, response.headers);
    return { status: response.status, body: parsed as T };
  }
}
