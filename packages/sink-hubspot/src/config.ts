import { secret, timeZoneSchema, z } from '@callrelay/core';

/** The HubSpot sink's own config keys (the loader adds `type` and `delivery`). */
export const hubspotConfig = z.object({
  accessToken: secret(z.string().min(1)).meta({
    description: 'Private app access token (`pat-...`) or OAuth access token, with scopes `crm.objects.contacts.read` and `crm.objects.contacts.write` (calls are logged under the contacts scopes).',
    examples: ['${HUBSPOT_ACCESS_TOKEN}'],
  }),
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.hubapi.com').meta({
    description: 'HubSpot API base URL: change it for a proxy or a local emulator.',
    examples: ['http://127.0.0.1:3200'],
  }),
  createContact: z.boolean().default(false).meta({
    description: 'When no contact has the customer\'s number (`phone` or `mobilephone`), create one (phone, and first/last name from the caller ID name) and associate the call with it.',
  }),
  title: z.string().min(1).optional().meta({
    description: 'Liquid template of the call title (`hs_call_title`, plain text: line breaks become spaces, `<` `>` become `‹` `›`). The event is in scope as `event` and by its fields, with `display` holding prepared values (`display.headline`, `display.caller`, `display.when`, ...). Default: `{{ display.headline }}`.',
    examples: ['{{ display.title }}: {{ display.customer }}'],
  }),
  body: z.string().min(1).optional().meta({
    description: 'Liquid template of the call notes (`hs_call_body`, HTML). Every inserted value is HTML-escaped (`| escape` is not applied twice; `| raw` inserts HTML). Default: a list of caller, called number, what rang or who answered, when, durations, recording, and the callrelay ids.',
    examples: ['<p>{{ display.headline | escape }}, rang {{ display.rang | escape }}</p>'],
  }),
  owner: z.string().min(1).optional().meta({
    description: 'Liquid template of the HubSpot owner id the call is assigned to (`hubspot_owner_id`), typically from a routing table row: `{{ route.hubspotOwner }}`. An owner id is digits; a rendered value that is empty or not digits leaves the call unassigned (logged). See docs/routing-tables.md.',
    examples: ['{{ route.hubspotOwner }}'],
  }),
  timeZone: timeZoneSchema.default('UTC').meta({
    description: 'Time zone of the times written in titles and notes (IANA name). `hs_timestamp` itself is an instant; HubSpot shows it in each user\'s zone.',
    examples: ['America/Chicago'],
  }),
  idempotencyProperty: z.string().regex(/^[a-z][a-z0-9_]*$/, 'a HubSpot property internal name: lower-case letters, digits and _').optional().meta({
    description: 'Internal name of a custom call property (single-line text, create it first) that receives the callrelay event id. Before creating a call, the sink then searches for one with this id, so that a redelivery never logs the call twice, even after the sink\'s own state was lost. Unset: only the sink\'s state guards against duplicates.',
    examples: ['callrelay_event_id'],
  }),
});
export type HubSpotSinkConfig = z.output<typeof hubspotConfig>;
