import { jsonrepair } from 'jsonrepair';
import { badRequest, type IncomingWebhook } from '@callrelay/core';
import { parseLooseForm } from './form.js';

/** What a WebhooksApi request carries, whatever its encoding. */
export type DecodedRequest =
  | { kind: 'params'; params: Record<string, unknown>; encoding: 'json' | 'form' | 'query'; repaired: boolean }
  /** The form variant posts a ready recording as nothing but its URL. */
  | { kind: 'recording-url'; url: string };

/**
 * Decodes a request of the WebhooksApi add-on: a JSON object (repaired when malformed: the seed's
 * JSON has values with a missing opening quote), a form body, the query string of a GET (or of a
 * POST without body), or a bare recording URL. Throws `badRequest` for anything else.
 *
 * @param ignoreQueryParams query parameters that are not event fields (the auth token).
 */
export function decodeRequest(request: IncomingWebhook, ignoreQueryParams: readonly string[] = []): DecodedRequest {
  const text = request.rawBody.toString('utf8').trim();
  if (text === '') return fromQuery(request, ignoreQueryParams);
  if (/^https?:\/\/\S+$/i.test(text)) return { kind: 'recording-url', url: text };
  if (text.startsWith('{') || text.startsWith('[')) return fromJson(text);
  const form = text.includes('=') ? parseLooseForm(text) : undefined;
  if (form) return { kind: 'params', params: form, encoding: 'form', repaired: false };
  throw badRequest(`body is neither JSON, a form (event=...&id=...) nor a recording URL${request.contentType ? ` (Content-Type ${request.contentType})` : ''}`);
}

function fromQuery(request: IncomingWebhook, ignore: readonly string[]): DecodedRequest {
  // Re-read the query as written: the add-on does not url-encode, so the standard decoding of the
  // server (`+` → space) would damage international numbers.
  let params: Record<string, string> | undefined;
  try {
    params = parseLooseForm(new URL(request.url).search.slice(1));
  } catch {
    params = { ...request.query };
  }
  for (const name of ignore) if (params) delete params[name];
  if (!params || Object.keys(params).length === 0) throw badRequest('empty body and no query parameters: expected a 3CX WebhooksApi event');
  return { kind: 'params', params, encoding: 'query', repaired: false };
}

function fromJson(text: string): DecodedRequest {
  let parsed: unknown;
  let repaired = false;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    if (!text.startsWith('{')) throw badRequest(`body is not valid JSON: ${(err as Error).message}`, err);
    try {
      parsed = JSON.parse(jsonrepair(text));
      repaired = true;
    } catch (repairErr) {
      throw badRequest(`body is not valid JSON and could not be repaired: ${(err as Error).message}`, repairErr);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest(`expected a JSON object (a WebhooksApi event), found ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`);
  }
  return { kind: 'params', params: parsed as Record<string, unknown>, encoding: 'json', repaired };
}
