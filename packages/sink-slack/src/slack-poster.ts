import type { DeliveryOutcome } from '@callrelay/core';
import type { SlackMessage } from './message.js';

/** How one sink mode (incoming webhook, Web API) hands a message to Slack. Never throws. */
export interface SlackPoster {
  post(message: SlackMessage, signal: AbortSignal, now: number): Promise<DeliveryOutcome>;
}
