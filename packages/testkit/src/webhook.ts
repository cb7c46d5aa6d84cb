import type { IncomingWebhook, OutgoingWebhook } from '@callrelay/core';
import type { FixtureRequest } from '@callrelay/fixtures';

/** Builds an {@link IncomingWebhook} as the core would hand it to a source's verify/parse. */
export function makeWebhook(input: {
  body?: string | Buffer | object;
  contentType?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string> | string;
  remoteAddress?: string;
} = {}): IncomingWebhook {
  const given = input.url ?? 'http://127.0.0.1:8080/hooks/test';
  const url = new URL(given);
  // The request-target as a client would send it: the given URL's path and query, not re-encoded.
  let target = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(given)?.[1] || '/';
  if (typeof input.query === 'string') {
    url.search = input.query;
    target = `${target.split('?')[0]}${input.query ? `?${input.query}` : ''}`;
  }
  else if (input.query) {
    for (const [k, v] of Object.entries(input.query)) url.searchParams.set(k, v);
    target = `${url.pathname}${url.search}`;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const rawBody = input.body === undefined ? Buffer.alloc(0)
    : Buffer.isBuffer(input.body) ? input.body
    : typeof input.body === 'string' ? Buffer.from(input.body)
    : Buffer.from(JSON.stringify(input.body));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const contentType = (input.contentType ?? headers['content-type'] ?? (typeof input.body === 'object' && !Buffer.isBuffer(input.body) ? 'application/json' : ''))
    .split(';')[0]!.trim().toLowerCase();
  if (contentType) headers['content-type'] ??= contentType;
  return {
    method: input.method ?? (rawBody.length ? 'POST' : 'GET'),
    url: url.toString(),
    target,
    path: url.pathname,
    headers,
    query,
    rawBody,
    contentType,
    remoteAddress: input.remoteAddress ?? '127.0.0.1',
    receivedAt: new Date(),
  };
}

/** The {@link IncomingWebhook} of one fixture request. */
export function webhookFromFixture(request: FixtureRequest, options: { url?: string; headers?: Record<string, string>; remoteAddress?: string } = {}): IncomingWebhook {
  return makeWebhook({
    body: request.body,
    contentType: request.contentType,
    method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
    url: options.url,
    query: request.query,
    headers: { ...request.headers, ...options.headers },
    remoteAddress: options.remoteAddress,
  });
}

/**
 * The {@link IncomingWebhook} the core would hand a source for a request sent as `request` (the
 * output of a source definition's `sign`): for round-trip tests of `sign` against `verify`.
 */
export function webhookFromOutgoing(request: OutgoingWebhook, options: { remoteAddress?: string } = {}): IncomingWebhook {
  return makeWebhook({
    body: request.body,
    method: request.method,
    url: request.url,
    headers: request.headers,
    remoteAddress: options.remoteAddress,
  });
}

/** The request `callrelay replay` sends for one fixture request to a route URL, before signing. */
export function outgoingFromFixture(request: FixtureRequest, routeUrl: string): OutgoingWebhook {
  const url = new URL(routeUrl);
  if (request.query) for (const [k, v] of new URLSearchParams(request.query)) url.searchParams.set(k, v);
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
  if (request.contentType && method !== 'GET') headers['content-type'] = request.contentType;
  return { method, url: url.href, headers, ...(method === 'GET' || request.body === undefined ? {} : { body: request.body }) };
}
