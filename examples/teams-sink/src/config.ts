import { CALL_EVENT_TYPES, secret, timeZoneSchema, z } from '@callrelay/core';

/** The sink's own config keys (callrelay adds `type` and `delivery`). */
export const teamsConfig = z.object({
  webhookUrl: secret(z.url({ protocol: /^https$|^http$/ })).meta({
    description: 'The URL of the Teams webhook: a Workflows flow "Post to a channel when a webhook request is received" (Teams → channel → Workflows; answers 202), or a legacy Office 365 incoming webhook (retired by Microsoft). It contains the credentials: keep it in an environment variable.',
    examples: ['${TEAMS_WEBHOOK_URL}'],
  }),
  events: z.array(z.enum(CALL_EVENT_TYPES)).min(1).default(['missed']).meta({
    description: 'The event types posted. A missed call gets the full card (caller, called number, agent, ring time, a call-back button); other types a one-line card. Events of other types are acknowledged without posting.',
    examples: [['missed'], ['missed', 'called_back']],
  }),
  title: z.string().min(1).max(100).default('Missed call').meta({
    description: 'The heading of a missed-call card (plain text; shown as written).',
    examples: ['Missed call on the sales line'],
  }),
  timeZone: timeZoneSchema.default('UTC').meta({
    description: 'Time zone of the times on the cards (IANA name).',
    examples: ['Europe/Berlin'],
  }),
});

/** The validated config. */
export type TeamsSinkConfig = z.output<typeof teamsConfig>;
