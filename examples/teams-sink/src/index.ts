/**
 * callrelay-sink-teams: an example of a third-party callrelay sink, written against the plugin API
 * (`@callrelay/core`) only. It posts an Adaptive Card per call event to a Microsoft Teams channel.
 */
import { defineSink, describeRequestError, type DeliveryOutcome } from '@callrelay/core';
import { teamsMessage } from './card.js';
import { teamsConfig } from './config.js';
import { outcomeOfTeamsAnswer } from './teams-response.js';

export { teamsMessage, titleOf, CARD_VERSION, type TeamsMessage, type AdaptiveCard } from './card.js';
export { escapeMarkdown } from './markdown.js';
export { callBackUri } from './phone.js';
export { teamsConfig, type TeamsSinkConfig } from './config.js';

export default defineSink({
  type: 'teams',
  description: 'Posts an Adaptive Card per missed call (caller, called number, ring time, a call-back button) to a Microsoft Teams channel through a Workflows webhook.',
  // Built and tested against plugin API 2.3 (formatLocalTime came with it); a 3.x host may change what this sink relies on.
  pluginApi: '^2.3.0',
  config: teamsConfig,
  example: { webhookUrl: '${TEAMS_WEBHOOK_URL}', timeZone: 'America/New_York' },
  create(config, ctx) {
    const events = new Set<string>(config.events);
    return {
      async deliver(event, { signal }): Promise<DeliveryOutcome> {
        if (!events.has(event.type)) return { status: 'delivered', detail: `not posted: ${event.type} is not in events` };
        let response: Response;
        try {
          response = await ctx.http(config.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8' },
            body: JSON.stringify(teamsMessage(event, config)),
            signal,
            // A webhook URL does not redirect: a redirect means a wrong URL, reported rather than followed.
            redirect: 'manual',
          });
        } catch (err) {
          // describeRequestError names the network error or the abort, never the URL (its credentials).
          return { status: 'retry', reason: `posting to Teams: ${describeRequestError(err, signal)}` };
        }
        return outcomeOfTeamsAnswer(response, ctx.clock.now());
      },
    };
  },
});
