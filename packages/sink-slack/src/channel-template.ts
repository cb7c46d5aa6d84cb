import { liquid, permanentFailure, type CallEvent } from '@callrelay/core';

/**
 * A channel id (`C0123ABCD`, `G...` private, `D...` direct) or name (`#missed-calls`, `missed-calls`:
 * lower case, digits, `-`, `_`, `.`, up to 80). Anything else rendered from an event (a forged
 * `route.*`, an empty value) is refused before it reaches Slack.
 */
const CHANNEL = /^(#?[a-z0-9][a-z0-9._-]{0,79}|[CDG][A-Z0-9]{6,20})$/;

/**
 * The `channel` of a Web API sink when it is a Liquid template (`{{ route.slackChannel }}`): rendered
 * per event from the event's own values, then checked to be a channel. A fixed channel is returned
 * as written.
 */
export class ChannelTemplate {
  private readonly template?: ReturnType<typeof liquid.parse>;

  constructor(private readonly channel: string) {
    if (/\{\{|\{%/.test(channel)) this.template = liquid.parse(channel);
  }

  get isTemplate(): boolean {
    return this.template !== undefined;
  }

  async render(event: CallEvent): Promise<string> {
    if (!this.template) return this.channel;
    let rendered: string;
    try {
      rendered = (await liquid.render(this.template, { ...event, event })).trim();
    } catch (err) {
      throw permanentFailure(`rendering the channel template: ${(err as Error).message}`, err);
    }
    if (!CHANNEL.test(rendered)) {
      throw permanentFailure(`the channel template rendered ${JSON.stringify(rendered.slice(0, 100))}, which is not a channel id (C0123ABCD) or name (#alerts); add | default: "<channel>" for events without the field`);
    }
    return rendered;
  }
}
