import type { IncomingWebhook } from '../plugin/source.js';
import { badRequest } from '../plugin/source.js';

/** A JSON body as an object; `400` with the parser's reason when it is not JSON. */
export function parseJsonBody(request: IncomingWebhook): unknown {
  const text = request.rawBody.toString('utf8');
  if (text.trim() === '') throw badRequest('empty body: expected a JSON document');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`body is not valid JSON: ${(err as Error).message}`, err);
  }
}

/** An `application/x-www-form-urlencoded` body (or query string) as an object of strings. */
export function parseFormBody(text: string): Record<string, string> {
  const params = new URLSearchParams(text);
  const out: Record<string, string> = {};
  for (const [key, value] of params) out[key] = value;
  return out;
}

/** True when the body looks like a form (`a=b&c=d`) rather than JSON. */
export function looksLikeForm(text: string): boolean {
  const trimmed = text.trim();
  return trimmed !== '' && !/^[[{"]/.test(trimmed) && /^[^=&\s]+=[^&]*(&[^=&]+=[^&]*)*$/s.test(trimmed);
}

/**
 * The parameters of a webhook whatever its encoding: JSON object body, form body, or the query
 * string of a GET. Throws `400` when there is nothing to read or the body is neither.
 */
export function readWebhookParams(request: IncomingWebhook): Record<string, unknown> {
  const text = request.rawBody.toString('utf8');
  if (text.trim() === '') {
    if (Object.keys(request.query).length > 0) return { ...request.query };
    throw badRequest('empty body and no query parameters');
  }
  if (request.contentType === 'application/x-www-form-urlencoded' || (request.contentType !== 'application/json' && looksLikeForm(text))) {
    return parseFormBody(text);
  }
  const parsed = parseJsonBody(request);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest(`expected a JSON object, found ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

/** Reads a header as one string (first value when repeated). */
export function header(request: IncomingWebhook, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
