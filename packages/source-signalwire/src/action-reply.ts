import type { IncomingWebhook, WebhookReply } from '@callrelay/core';
import { readSignalWireParams } from './params.js';
import { has } from './values.js';

/** An empty cXML document: "no more verbs", so SignalWire ends the call cleanly. */
export const EMPTY_CXML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * SignalWire executes the answer to a `<Dial>` or `<Enqueue>` action request as the call's next
 * cXML document; a JSON body is a document parse error. When an action URL points at callrelay,
 * the answer is an empty `<Response>` (the call ends, as it would with no verb after the `<Dial>`)
 * rather than the default JSON. Status and recording callbacks keep the default answer.
 */
export function replyToAction(request: IncomingWebhook, tokenQueryParam?: string): WebhookReply | undefined {
  let params: Record<string, unknown>;
  try {
    params = readSignalWireParams(request, tokenQueryParam);
  } catch {
    return undefined;
  }
  if (!has(params, 'DialCallStatus') && !has(params, 'QueueResult')) return undefined;
  return { status: 200, body: EMPTY_CXML, contentType: 'text/xml' };
}
