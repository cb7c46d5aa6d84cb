import { defineSink, describeRequestError, liquid, permanentFailure, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Sink, type CallEvent } from '@callrelay/core';
import { webhookConfig, type WebhookSinkConfig } from './config.js';
import { StandardWebhookSigner } from './signing.js';
import { outcomeOfResponse } from './response.js';

export { webhookConfig, type WebhookSinkConfig } from './config.js';
export { StandardWebhookSigner } from './signing.js';

type Template = ReturnType<typeof liquid.parse>;

/** POSTs each event to one URL, signed by the Standard Webhooks spec. */
export class WebhookSink implements Sink {
  private readonly signer: StandardWebhookSigner;
  private readonly template: Template | undefined;
  private readonly headers: Record<string, string>;
  /** How failure reasons name the receiver: its host, not the full URL (which may carry a token). */
  private readonly receiver: string;
  /** Whether a template's output must be JSON (the declared content type says so). */
  private readonly rendersJson: boolean;

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
    if (!this.signer.signs) context.logger.warn({ sink: context.id }, 'webhook sink: no secret configured, requests are sent unsigned');
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<DeliveryOutcome> {
    const body = await this.render(event);
    // The delivery id is stable across retries, so receivers can deduplicate on webhook-id.
    const signing = this.signer.headers(delivery.deliveryId, new Date(this.context.clock.now()), body);
    let response: Response;
    try {
      response = await this.context.http(this.config.url, {
        method: 'POST',
        headers: { ...this.headers, ...signing },
        body,
        signal: delivery.signal,
        // A redirect would re-send a signed body somewhere unconfigured: report it instead.
        redirect: 'manual',
      });
    } catch (err) {
      return { status: 'retry', reason: `posting to ${this.receiver}: ${describeRequestError(err, delivery.signal)}` };
    }
    return outcomeOfResponse(response, this.receiver);
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
