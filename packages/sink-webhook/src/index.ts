import { Webhook } from 'standardwebhooks';
import { defineSink, liquid, outcomeForHttpStatus, secret, z, type DeliveryOutcome } from '@callrelay/core';

const whsec = secret(z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'a Standard Webhooks secret: whsec_ followed by base64'));

export const webhookConfig = z.object({
  url: z.url().meta({ description: 'Where to POST each event.', examples: ['https://example.com/callrelay'] }),
  secret: z.union([whsec, z.array(whsec).min(1)]).optional().meta({
    description: 'Standard Webhooks signing secret(s) (`whsec_...`). With several (rotation), every request carries one signature per secret, so receivers that know either one verify it. Omit to send unsigned.',
  }),
  headers: z.record(z.string(), z.string()).default({}).meta({ description: 'Extra request headers (e.g. an API key of the receiver).' }),
  template: z.string().optional().meta({ description: 'A Liquid template rendering the body instead of the canonical event JSON. The event is in scope as `event` and by its fields.' }),
  contentType: z.string().default('application/json').meta({ description: 'Content-Type of the body.' }),
});
export type WebhookSinkConfig = z.output<typeof webhookConfig>;

/** POSTs events to a URL, signed by the Standard Webhooks spec. */
const webhook = defineSink({
  type: 'webhook',
  description: 'POSTs each event (JSON or a template) to a URL, signed by the Standard Webhooks spec (webhook-id/-timestamp/-signature).',
  config: webhookConfig,
  example: { type: 'webhook', url: 'https://example.com/callrelay', secret: '${WEBHOOK_SECRET}' },
  create(config, context) {
    const signers = config.secret === undefined ? [] : [config.secret].flat().map((s) => new Webhook(s));
    const template = config.template === undefined ? undefined : liquid.parse(config.template);
    return {
      async deliver(event, delivery): Promise<DeliveryOutcome> {
        const body = template ? await liquid.render(template, { ...event, event }) : JSON.stringify(event);
        const now = new Date(context.clock.now());
        const headers: Record<string, string> = { ...config.headers, 'content-type': config.contentType, 'user-agent': 'callrelay' };
        if (signers.length) {
          // The delivery id is stable across retries, so receivers can deduplicate on webhook-id.
          headers['webhook-id'] = delivery.deliveryId;
          headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
          headers['webhook-signature'] = signers.map((s) => s.sign(delivery.deliveryId, now, body)).join(' ');
        }
        let response: Response;
        try {
          response = await context.http(config.url, { method: 'POST', headers, body, signal: delivery.signal, redirect: 'manual' });
        } catch (err) {
          return { status: 'retry', reason: `POST ${new URL(config.url).host} failed: ${(err as Error).message}` };
        }
        const outcome = outcomeForHttpStatus(response.status, response.headers.get('retry-after'), new URL(config.url).host);
        let excerpt = '';
        if (outcome.status !== 'delivered') excerpt = (await response.text().catch(() => '')).slice(0, 200).trim();
        else await response.body?.cancel().catch(() => undefined);
        if (outcome.status === 'delivered' || !excerpt) return outcome;
        return { ...outcome, reason: `${outcome.reason}: ${excerpt}` };
      },
    };
  },
});
export default webhook;
