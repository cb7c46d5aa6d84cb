import { defineSink, type CallEvent, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { slackConfig, type SlackSinkConfig } from './config.js';
import { MessageRenderer } from './message.js';
import { DeliveryMemory } from './delivery-memory.js';
import type { SlackPoster } from './slack-poster.js';
import { WebhookPoster } from './webhook-poster.js';
import { WebApiPoster } from './web-api-poster.js';
import { ChannelTemplate } from './channel-template.js';
import { ThreadedPoster } from './threaded-poster.js';

export { slackConfig, type SlackSinkConfig } from './config.js';
export { MessageRenderer, defaultBlocks, defaultText, type SlackMessage, type SlackBlock } from './message.js';
export { describeCall, formatNumber, telUri, type CallDisplay } from './display.js';
export { outcomeOfSlackError, explainSlackError } from './slack-errors.js';
export { outcomeOfWebApiError } from './web-api-poster.js';
export { digestMessage, digestLine, digestTitle } from './digest-message.js';
export { ChannelTemplate } from './channel-template.js';
export { ThreadStore, THREAD_TTL_MS, type CallThread } from './thread-store.js';
export { ThreadedPoster, withNote } from './threaded-poster.js';
export { callbackNote, ordinal } from './display.js';

/**
 * Posts one message per event to Slack, through an incoming webhook or the Web API
 * (`chat.postMessage`); with `threads` (Web API only), one thread per call ({@link ThreadedPoster}).
 * Each delivery posts at most once: a redelivery of a delivery that Slack already accepted is
 * acknowledged without posting again.
 */
export class SlackSink implements Sink {
  private readonly renderer: MessageRenderer;
  private readonly poster: SlackPoster;
  private readonly memory: DeliveryMemory;
  private readonly channel?: ChannelTemplate;
  /** Set in Web API mode with `threads: true`. */
  private readonly threaded?: ThreadedPoster;

  constructor(config: SlackSinkConfig, private readonly context: ConnectorContext) {
    this.renderer = new MessageRenderer({ text: config.text, blocks: config.blocks, timeZone: config.timeZone });
    if (config.webhookUrl !== undefined) {
      this.poster = new WebhookPoster(config.webhookUrl, context.http);
      if (config.threads) context.logger.warn({ sink: context.id }, 'slack sink: threads needs the Web API (token and channel); an incoming webhook returns no message ts to thread under. Posting one message per event.');
    } else {
      const webApi = new WebApiPoster({ token: config.token!, channel: config.channel!, apiUrl: config.apiUrl }, context.http, context.logger);
      this.poster = webApi;
      if (config.threads) this.threaded = new ThreadedPoster(webApi, context.state, { updateParent: config.updateParent }, context.logger);
    }
    this.memory = new DeliveryMemory(context.state, context.logger);
    if (config.channel !== undefined) this.channel = new ChannelTemplate(config.channel);
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<DeliveryOutcome> {
    if (delivery.signal.aborted) return { status: 'retry', reason: 'the attempt was aborted before posting' };
    const earlier = await this.memory.posted(delivery.deliveryId);
    if (earlier) return { status: 'delivered', detail: `already posted at ${earlier.at}${earlier.detail ? ` (${earlier.detail})` : ''}` };
    const message = await this.renderer.render(event);
    if (this.channel?.isTemplate) message.channel = await this.channel.render(event);
    const outcome = this.threaded
      ? await this.threaded.deliver(event, message, delivery.deliveryId, delivery.signal, this.context.clock.now())
      : await this.poster.post(message, delivery.signal, this.context.clock.now());
    if (outcome.status === 'delivered') await this.memory.remember(delivery.deliveryId, outcome.detail, this.context.clock.now());
    return outcome;
  }

  async close(): Promise<void> {
    // Nothing held open: every attempt uses its own request.
  }
}

/** The `slack` sink: call alerts in a Slack channel (incoming webhook or bot token). */
const slack = defineSink({
  type: 'slack',
  description: 'Posts call alerts to Slack (incoming webhook or bot token + channel), Block Kit with a text fallback, from Liquid templates or a built-in layout.',
  config: slackConfig,
  example: { type: 'slack', webhookUrl: '${SLACK_WEBHOOK_URL}', timeZone: 'America/New_York' },
  create: (config, context) => new SlackSink(config, context),
});
export default slack;
