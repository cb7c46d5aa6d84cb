import { readWebhookParams, type IncomingWebhook } from '@callrelay/core';

/**
 * The callback's parameters from a form body, a JSON body or (GET, or an empty POST) the query
 * string. When they come from the query string, the auth token parameter is removed so that the
 * secret is never stored in an event's `raw`.
 */
export function readSignalWireParams(request: IncomingWebhook, tokenQueryParam?: string): Record<string, unknown> {
  const params = readWebhookParams(request);
  const fromQuery = request.rawBody.toString('utf8').trim() === '';
  if (fromQuery && tokenQueryParam && tokenQueryParam in params) delete params[tokenQueryParam];
  return params;
}
