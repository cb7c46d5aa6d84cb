import { secret, timeZoneSchema, z } from '@callrelay/core';

/** The Slack sink's own config keys (the loader adds `type` and `delivery`). */
export const slackConfig = z.object({
  webhookUrl: secret(z.url({ protocol: /^https?$/ })).optional().meta({
    description: 'Incoming webhook URL (`https://hooks.slack.com/services/...`); the webhook fixes the channel. Set this, or `token` and `channel`.',
    examples: ['${SLACK_WEBHOOK_URL}'],
  }),
  token: secret(z.string().regex(/^xox[a-z]-/, 'a Slack token such as xoxb-... (bot token)')).optional().meta({
    description: 'Bot token (`xoxb-...`, scope `chat:write`) for the Web API (`chat.postMessage`). Needs `channel`.',
    examples: ['${SLACK_BOT_TOKEN}'],
  }),
  channel: z.string().min(1).optional().meta({
    description: 'With `token`: the channel to post in, by id (`C0123ABCD`, survives renames) or name (`#alerts`). The app must be a member of it. May be a Liquid template rendered per event, e.g. from a routing table: `{{ route.slackChannel | default: "C0123ABCD" }}`; a result that is not a channel id or name is a permanent failure (dead letter).',
    examples: ['C0123ABCD', '#missed-calls', '{{ route.slackChannel }}'],
  }),
  apiUrl: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/').meta({
    description: 'Web API base URL: change it for an Enterprise Grid proxy or a local emulator.',
    examples: ['http://127.0.0.1:3100/api/'],
  }),
  text: z.string().min(1).optional().meta({
    description: 'Liquid template of the message text. The event is in scope as `event` and by its fields, every text escaped for Slack (`&`, `<`, `>`), with `display` holding prepared values (`display.caller`, `display.callerLink`, `display.when`, ...). Set alone, the message is this text without the default blocks.',
    examples: ['Missed call from {{ display.callerLink }} at {{ display.when }}'],
  }),
  blocks: z.string().min(1).optional().meta({
    description: 'Liquid template that renders a JSON array of Block Kit blocks (use `| json` for inserted values; any other output is escaped for the inside of a JSON string). Values are escaped for Slack as in `text`. Default: the built-in layout, unless `text` alone is set.',
    examples: ['[{"type": "section", "text": {"type": "mrkdwn", "text": {{ display.caller | prepend: "Missed call from " | json }}}}]'],
  }),
  timeZone: timeZoneSchema.default('UTC').meta({
    description: 'Time zone of the times in messages (IANA name).',
    examples: ['Europe/Berlin'],
  }),
  threads: z.boolean().default(false).meta({
    description: 'Web API only: one Slack thread per call. The first message of a call starts it; later events of the call (its recording, a `called_back` event) are posted as replies in it. The call → message mapping is kept in the store (7 days). An incoming webhook cannot thread (it returns no message ts): there this is ignored with a warning at start.',
  }),
  updateParent: z.boolean().default(true).meta({
    description: 'With `threads`: a `called_back` event also updates the call\'s first message (`chat.update`) with a note such as "Called back by Alice after 12 min".',
  }),
}).superRefine((config, ctx) => {
  if (config.webhookUrl === undefined && config.token === undefined) {
    ctx.addIssue({ code: 'custom', path: [], message: 'set webhookUrl (incoming webhook) or token and channel (Web API)' });
  }
  if (config.webhookUrl !== undefined && config.token !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['token'], message: 'set webhookUrl or token, not both' });
  }
  if (config.token !== undefined && config.webhookUrl === undefined && config.channel === undefined) {
    ctx.addIssue({ code: 'custom', path: ['channel'], message: 'with token, name the channel to post in' });
  }
  if (config.webhookUrl !== undefined && config.channel !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['channel'], message: 'an incoming webhook posts to the channel chosen when it was created; channel applies to token only' });
  }
});
export type SlackSinkConfig = z.output<typeof slackConfig>;
