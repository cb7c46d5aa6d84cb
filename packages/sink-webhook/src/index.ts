import {
  defineSink, describeRequestError, liquid, permanentFailure, settleDelivery,
  type BatchDelivery, type BatchDeliveryContext, type CallEvent, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Sink,
} from '@callrelay/core';
import { webhookConfig, type WebhookSinkConfig } from './config.js';
import { StandardWebhookSigner } from './signing.js';
import { outcomeOfResponse } from './response.js';
import { RequestSlots } from './request-slots.js';

export { webhookConfig, type WebhookSinkConfig } from './config.js';
export { StandardWebhookSigner } from './signing.js';
export { RequestSlots } from './request-slots.js';

type Template = ReturnType<typeof liquid.parse>;

/**
 * POSTs each event to one URL, signed by the Standard Webhooks spec: one message per event, also
 * in a batch (the spec signs one message per request). A batch is sent concurrently, at most
 * `maxConnections` requests at a time, over connections kept alive between requests.
 */
export class WebhookSink implements Sink {
  private readonly signer: StandardWebhookSigner;
  private readonly template: Template | undefined;
  private readonly headers: Record<string, string>;
  /** How failure reasons name the receiver: its host, not the full URL (which may carry a token). */
  private readonly receiver: string;
  /** Whether a template's output must be JSON (the declared content type says so). */
  private readonly rendersJson: boolean;
  private readonly slots: RequestSlots;

  constructor(private readonly config: WebhookSinkConfig, private readonly context: ConnectorContext) {
    this.signer = new StandardWebhookSigner(config.secret === undefined ? [] : [config.secret].flat());
    // Parsed once at start, so a template with a syntax error or an unknown filter stops the start.
    this.template = config.template === undefined ? undefined : liquid.parse(config.template);
    this.headers = {
      'user-agent': 'callrelay',
      ...Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value])),
      'content-type': config.contentType,
    };
    this.receiver = new URL(config.url).host;
    this.rendersJson = /^application\/([\w.-]+\+)?json\b/i.test(config.contentType);
    this.slots = new RequestSlots(config.maxConnections ?? context.delivery?.concurrency ?? 4);
    if (!this.signer.signs) context.logger.warn({ sink: context.id }, 'webhook sink: no secret configured, requests are sent unsigned');
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<DeliveryOutcome> {
    return this.post(await this.render(event), delivery.deliveryId, delivery.signal);
  }

  /** Each event of the batch as its own signed request, concurrently within `maxConnections`; one outcome each. */
  async deliverBatch(items: readonly BatchDelivery[], context: BatchDeliveryContext): Promise<DeliveryOutcome[]> {
    return Promise.all(items.map((item) => settleDelivery(async () => this.post(await this.render(item.event), item.deliveryId, context.signal))));
  }

  /** Sends one message in a slot; signed when it leaves, so that the timestamp is the send time even after a wait for a slot. */
  private async post(body: string, deliveryId: string, signal: AbortSignal): Promise<DeliveryOutcome> {
    try {
      return await this.slots.run(signal, async () => {
        // The delivery id is stable across retries, so receivers can deduplicate on webhook-id.
        const signing = this.signer.headers(deliveryId, new Date(this.context.clock.now()), body);
        const response = await this.context.http(this.config.url, {
          method: 'POST',
          headers: { ...this.headers, ...signing },
          body,
          signal,
          // A redirect would re-send a signed body somewhere unconfigured: report it instead.
          redirect: 'manual',
        });
        return outcomeOfResponse(response, this.receiver);
      });
    } catch (err) {
      return { status: 'retry', reason: `posting to ${this.receiver}: ${describeRequestError(err, signal)}` };
    }
  }

  private async render(event: CallEvent): Promise<string> {
    if (!this.template) return JSON.stringify(event);
    // The same event renders the same way on every attempt: a failure here is permanent.
    let body: string;
    try {
      body = await liquid.render(this.template, { ...event, event });
    } catch (err) {
      throw permanentFailure(`rendering the webhook template: ${(err as Error).message}`, err);
    }
    if (this.rendersJson) {
      try {
        JSON.parse(body);
      } catch (err) {
        // Typically a missing field rendered as nothing (`{"agent": }`): use `| default: "" | json`.
        throw permanentFailure(`rendering the webhook template: the output is not valid JSON (${(err as Error).message}): ${body.slice(0, 120)}`, err);
      }
    }
    return body;
  }
}

/** The `webhook` sink: POSTs events (JSON or a Liquid template) to a URL, signed by the Standard Webhooks spec. */
const webhook = defineSink({
  type: 'webhook',
  description: 'POSTs each event (JSON or a Liquid template) to a URL, signed by the Standard Webhooks spec (webhook-id/-timestamp/-signature).',
  config: webhookConfig,
  example: { type: 'webhook', url: 'https://crm.example.com/hooks/calls', secret: '${WEBHOOK_SECRET}' },
  create: (config, context) => new WebhookSink(config, context),
});
export default webhook;
