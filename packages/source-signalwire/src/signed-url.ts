/**
 * The URL a SignalWire signature covers: the callback URL exactly as SignalWire called it, query
 * string included. Behind a proxy the server sees another scheme, host or path, so a configured
 * `publicUrl` replaces everything but the query string of the request.
 */
export function signedUrl(requestUrl: string, publicUrl?: string): string {
  if (!publicUrl) return requestUrl;
  const q = requestUrl.indexOf('?');
  if (q < 0) return publicUrl;
  const base = publicUrl.includes('?') ? publicUrl.slice(0, publicUrl.indexOf('?')) : publicUrl;
  return `${base}${requestUrl.slice(q)}`;
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
