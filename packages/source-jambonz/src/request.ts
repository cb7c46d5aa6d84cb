import { badRequest, parseJsonBody, readWebhookParams, type IncomingWebhook } from '@callrelay/core';

/**
 * A GET hook without a body: its parameters, if any, are in the query string. jambonz's docs show
 * the call hook as a GET with query parameters; jambonz-feature-server sends a GET hook with no call
 * data at all since its undici client (0.7.6, July 2022: `lib/utils/http-requestor.js` puts a body
 * on POST only and the query of the configured URL only), and with the JSON payload as a body before
 * that (the `bent` client sent a body with any method).
 */
export function isBodilessGet(request: IncomingWebhook): boolean {
  return request.method.toUpperCase() === 'GET' && request.rawBody.toString('utf8').trim() === '';
}

/**
 * The parameters of a call hook, call status hook or queue event: a JSON body (jambonz's POST, and
 * its GET before 0.7.6), a form body from a relay, or the query string of a GET. Query values are
 * text; the mapping reads numbers from text. Throws `400` with a reason for anything else.
 */
export function readJambonzParams(request: IncomingWebhook): Record<string, unknown> {
  if (isBodilessGet(request)) {
    const params: Record<string, unknown> = { ...request.query };
    if (params.call_sid === undefined && params.callSid === undefined) {
      throw badRequest('GET without call_sid in the query string: jambonz (since 0.7.6) sends no call data with a hook set to GET; set the call status hook\'s method to POST');
    }
    return params;
  }
  // jambonz posts JSON; a proxy or a test tool may send a form: accept both when unambiguous.
  const body = request.contentType === 'application/json' ? parseJsonBody(request) : readWebhookParams(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('expected a JSON object with call_sid and call_status');
  return body as Record<string, unknown>;
}
