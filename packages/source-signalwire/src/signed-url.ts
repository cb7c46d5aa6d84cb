import type { IncomingWebhook } from '@callrelay/core';

/**
 * The URL a SignalWire signature of this request covers: the callback URL exactly as SignalWire
 * called it, query string included, byte for byte (the host's raw request-target, not the URL its
 * parser re-encoded: a `'` in a query would become `%27` and the signature would fail). Behind a
 * proxy the server sees another scheme, host or path, so a configured `publicUrl` replaces
 * everything but the query string of the request.
 */
export function signedUrls(request: IncomingWebhook, publicUrl?: string): string[] {
  const seen = joinRawTarget(request.url, request.target);
  return [publicUrl ? withPublicUrl(seen, publicUrl) : seen];
}

/** `publicUrl` with the query string of the URL the request came to. */
export function withPublicUrl(requestUrl: string, publicUrl: string): string {
  const q = requestUrl.indexOf('?');
  const base = publicUrl.includes('?') ? publicUrl.slice(0, publicUrl.indexOf('?')) : publicUrl;
  return q < 0 ? base : `${base}${requestUrl.slice(q)}`;
}

/**
 * The URL the request came to, with its path and query replaced by the raw request-target. A path
 * prefix the host added (its own `publicUrl` behind a proxy) is kept.
 */
function joinRawTarget(url: string, target: string): string {
  // An absolute-form target (`GET http://host/path HTTP/1.1`, sent to proxies) is the URL itself.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target;
  const parsed = new URL(url);
  const targetPath = new URL(target, 'http://target.invalid').pathname;
  const prefix = parsed.pathname.endsWith(targetPath) ? parsed.pathname.slice(0, parsed.pathname.length - targetPath.length) : '';
  return `${parsed.origin}${prefix}${target.startsWith('/') ? target : `/${target}`}`;
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The URL as given, plus the same URL with the default port added (or removed when present).
 * Twilio-compatible platforms have signed both forms over time, and a URL parser drops `:443`,
 * so both are tried (the SignalWire and Twilio SDK validators do the same).
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?:)\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
  const defaultPort = DEFAULT_PORTS[scheme.toLowerCase()]!;
  const portMatch = /^(.*?)(?::(\d+))?$/.exec(authority)!;
  const host = portMatch[1]!;
  const port = portMatch[2];
  if (port === undefined) return [url, `${scheme}//${host}:${defaultPort}${rest}`];
  if (port === defaultPort) return [url, `${scheme}//${host}${rest}`];
  return [url];
}
