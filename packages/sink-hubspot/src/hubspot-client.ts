import type { HttpClient } from '@callrelay/core';

/** A CRM object as HubSpot returns it (property values are strings). */
export interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
}

/** One filter of a CRM search (`EQ`, `IN`, `HAS_PROPERTY`...). */
export interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
}

/** A CRM search: any group may match; within a group every filter must. */
export interface SearchRequest {
  filterGroups: { filters: SearchFilter[] }[];
  properties?: string[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  limit?: number;
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
 * The few CRM v3 endpoints the sink uses, over the host's `fetch`. Not `@hubspot/api-client`: its
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
    const answer = await this.request<{ results?: HubSpotObject[] }>('POST', `/crm/v3/objects/${type}/search`, request, signal, action);
    return answer.results ?? [];
  }

  /** Creates an object, with associations in the same request. */
  async create(type: 'contacts' | 'calls', properties: Record<string, string>, associations: InlineAssociation[], signal: AbortSignal, action: string): Promise<HubSpotObject> {
    return this.request<HubSpotObject>('POST', `/crm/v3/objects/${type}`, { properties, ...(associations.length ? { associations } : {}) }, signal, action);
  }

  private async request<T>(method: string, path: string, body: unknown, signal: AbortSignal, action: string): Promise<T> {
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
    return parsed as T;
  }
}
