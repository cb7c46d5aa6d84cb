import { Webhook } from 'standardwebhooks';
import { secret, z } from '@callrelay/core';

/** Headers the sink sets itself: a configured value would break signing or the declared body type. */
const RESERVED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'content-length', 'host'];

const signingSecret = secret(
  z.string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'a Standard Webhooks secret: whsec_ followed by base64')
    .refine((value) => {
      try { new Webhook(value); return true; } catch { return false; }
    }, 'the part after whsec_ is not valid base64'),
);

/** The `webhook` sink's own config keys (the loader adds `type` and `delivery`). */
export const webhookConfig = z.object({
  url: z.url({ protocol: /^https?$/ }).meta({ description: 'Where to POST each event (http or https).', examples: ['https://crm.example.com/hooks/calls'] }),
  secret: secret(z.union([signingSecret, z.array(signingSecret).min(1)])).optional().meta({
    description: 'Standard Webhooks signing secret (`whsec_` + base64), or a list during rotation: every request then carries one signature per secret, so a receiver that knows any one of them verifies it. Omit to send unsigned requests (logged as a warning at start).',
    examples: ['${WEBHOOK_SECRET}', ['${WEBHOOK_SECRET}', '${WEBHOOK_SECRET_PREVIOUS}']],
  }),
  // Secret: header values often carry the receiver's credentials (an API key), so logs redact them.
  headers: secret(z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name'), z.string()))
    .refine((headers) => !Object.keys(headers).some((name) => RESERVED_HEADERS.includes(name.toLowerCase())),
      `these headers are set by the sink: ${RESERVED_HEADERS.join(', ')} (use contentType for the body type)`)
    .default({})
    .meta({ description: 'Extra request headers, e.g. an API key the receiver expects.', examples: [{ 'x-api-key': '${CRM_API_KEY}' }] }),
  template: z.string().min(1).optional().meta({
    description: 'A Liquid template that renders the body instead of the canonical event JSON. The event is in scope as `event` and by its fields (`{{ from.e164 }}`); `| json` writes a value as JSON.',
    examples: ['{"text": {{ event.from.e164 | default: event.from.raw | json }}, "agent": {{ event.agent.extension | json }}}'],
  }),
  contentType: z.string().min(1).default('application/json').meta({ description: 'Content-Type of the body (set it when a template renders something other than JSON).', examples: ['text/plain; charset=utf-8'] }),
  maxConnections: z.number().int().min(1).max(256).optional().meta({
    description: 'Most requests in flight to the receiver at once from this sink (per node), and so the most connections open to it; connections are kept alive and reused. Default: the sink\'s `delivery.concurrency`, so that setting means requests in flight as for every sink. A batch of deliveries (`delivery.batchSize`) is sent this many at a time, one signed request per event; batches in flight together share the limit. Lower it for a receiver that takes one request at a time.',
    examples: [1, 16],
  }),
});
export type WebhookSinkConfig = z.output<typeof webhookConfig>;
