import { randomBytes } from 'node:crypto';

/**
 * What `callrelay init` knows about each platform and destination it can start a pipeline file
 * for. Adding one is adding an entry here: the generator (`project.ts`) only assembles entries.
 */

/** An environment variable the generated file references. */
export interface EnvVariable {
  name: string;
  /** One line for `.env.example`: what it is and where to find it. */
  description: string;
  /** A credential: its value goes into `.env` (mode 600), never into `.env.example`. */
  secret?: boolean;
  /** A value invented for the user (a token, a password, a signing secret); unset: the user must supply it. */
  generate?: () => string;
  /** Written to `.env.example` as a hint of the format (never a working value). */
  example?: string;
}

export interface SourceTemplate {
  type: string;
  /** What the prompt shows. */
  label: string;
  /** The source's YAML under `sources:`, indented by two spaces, id first. */
  yaml: string;
  env: EnvVariable[];
  /**
   * How a curl line reaches the source with the values of `.env` (`-u user:password`, `?token=`);
   * undefined when a hand-made request cannot pass (SignalWire signs every request).
   */
  curlAuth?: (env: Record<string, string>) => { args: string[]; query: string };
  /** A recorded whole call (`@callrelay/fixtures` name) and the `callrelay replay` options that pass auth. */
  replay?: { fixture: string; auth: (env: Record<string, string>) => string };
  /** What to set up on the platform, for the next steps. */
  platformStep: string;
  /** A recorded inbound call nobody answered (`@callrelay/fixtures` name), for the generated pipeline test. */
  missedCall: string;
}

export interface SinkTemplate {
  type: string;
  label: string;
  /** The sink's YAML under `sinks:`, indented by two spaces, id first. */
  yaml: string;
  /** The sink's id in `yaml`. */
  id: string;
  env: EnvVariable[];
  /** The pipeline's `when:` filter, or undefined for every event. */
  when?: string;
  /** What the pipeline does, as its description. */
  pipeline: string;
  /** Where to look for the result of the sample request. */
  resultStep: string;
}

const token = () => randomBytes(24).toString('base64url');

const country: EnvVariable = {
  name: 'DEFAULT_COUNTRY',
  description: 'Country of phone numbers written without a country code (ISO 3166-1 alpha-2); default US.',
  example: 'US',
};

export const SOURCE_TEMPLATES: readonly SourceTemplate[] = [
  {
    type: 'jambonz',
    label: 'jambonz (or Graine): call hook and call status hook',
    yaml: `  jambonz:
    type: jambonz
    # Country of numbers written without a country code.
    defaultCountry: \${DEFAULT_COUNTRY:-US}
    auth:
      # Set the same user name and password on the jambonz application's call hook and call
      # status hook. Other methods: webhookSecret (the account's signing secret), allowIps.
      basic:
        username: \${JAMBONZ_USER:-jambonz}
        password: \${JAMBONZ_PASSWORD}`,
    env: [
      { name: 'JAMBONZ_USER', description: 'User name set on the jambonz application\'s hooks; default jambonz.', example: 'jambonz' },
      { name: 'JAMBONZ_PASSWORD', description: 'Password set on the jambonz application\'s hooks (HTTP Basic).', secret: true, generate: token },
      country,
    ],
    curlAuth: (env) => ({ args: ['-u', `${env.JAMBONZ_USER || 'jambonz'}:${env.JAMBONZ_PASSWORD ?? ''}`], query: '' }),
    replay: { fixture: 'jambonz/status-missed-caller-hangup', auth: (env) => `--basic ${env.JAMBONZ_USER || 'jambonz'}:${env.JAMBONZ_PASSWORD ?? ''}` },
    platformStep: 'in the jambonz portal, set the application\'s call hook and call status hook to <url> with the user name and password of .env',
    missedCall: 'jambonz/status-missed-caller-hangup',
  },
  {
    type: 'signalwire',
    label: 'SignalWire (or a Twilio-compatible platform): voice status callbacks',
    yaml: `  signalwire:
    type: signalwire
    # Country of numbers written without a country code.
    defaultCountry: \${DEFAULT_COUNTRY:-US}
    auth:
      # SignalWire signs every request with the project's Signing Key (Dashboard → API).
      # Another method: token (a shared token in the callback URL), allowIps.
      signingKey: \${SIGNALWIRE_SIGNING_KEY}
    # Behind a proxy that changes scheme, host or path, signatures are computed over the URL
    # SignalWire calls:
    # publicUrl: https://hooks.example.com/hooks/signalwire`,
    env: [
      { name: 'SIGNALWIRE_SIGNING_KEY', description: 'The project Signing Key (SignalWire Dashboard → API → Signing Key).', secret: true, example: 'PSK_xxxxxxxxxxxxxxxxxxxxxxxx' },
      country,
    ],
    platformStep: 'on SignalWire, set the number\'s StatusCallback to <url> (a hand-made curl has no signature and is refused with 401, as it should be)',
    missedCall: 'signalwire/form-inbound-no-answer',
  },
  {
    type: 'impactpbx',
    label: 'ImpactPBX: call webhooks',
    yaml: `  impactpbx:
    type: impactpbx
    # Country of numbers written without a country code.
    defaultCountry: \${DEFAULT_COUNTRY:-US}
    auth:
      # ImpactPBX signs nothing: put the token in the webhook URL (.../hooks/impactpbx?token=...).
      # Another method: allowIps.
      token:
        value: \${IMPACTPBX_TOKEN}`,
    env: [
      { name: 'IMPACTPBX_TOKEN', description: 'Shared token of the webhook URL set in ImpactPBX (?token=...).', secret: true, generate: token },
      country,
    ],
    curlAuth: (env) => ({ args: [], query: `?token=${env.IMPACTPBX_TOKEN ?? ''}` }),
    replay: { fixture: 'impactpbx/truth-table/impactpbx/nobody-answers', auth: (env) => `--token ${env.IMPACTPBX_TOKEN ?? ''}` },
    platformStep: 'in ImpactPBX, set the call webhook URL to <url>?token=<IMPACTPBX_TOKEN of .env>',
    missedCall: 'impactpbx/truth-table/impactpbx/nobody-answers',
  },
  {
    type: '3cx',
    label: '3CX: the WebhooksApi add-on or the CRM integration journal',
    yaml: `  pbx:
    type: 3cx
    # Country of numbers written without a country code.
    defaultCountry: \${DEFAULT_COUNTRY:-US}
    # Time zone of the 3CX server, to read its local times (IANA name):
    # timeZone: Europe/London
    auth:
      # The add-on signs nothing: put the token in its URL (.../hooks/pbx?token=...).
      # Another method: allowIps (the 3CX server's address).
      token:
        value: \${CX_TOKEN}`,
    env: [
      { name: 'CX_TOKEN', description: 'Shared token of the URL set in the 3CX add-on (?token=...).', secret: true, generate: token },
      country,
    ],
    curlAuth: (env) => ({ args: [], query: `?token=${env.CX_TOKEN ?? ''}` }),
    replay: { fixture: '3cx/json-queue-missed', auth: (env) => `--token ${env.CX_TOKEN ?? ''}` },
    platformStep: 'in 3CX, set the WebhooksApi add-on\'s URL to <url>?token=<CX_TOKEN of .env>',
    missedCall: '3cx/json-queue-missed',
  },
];

const timeZone: EnvVariable = { name: 'TIME_ZONE', description: 'Time zone of the times written (IANA name); default UTC.', example: 'Europe/London' };

export const SINK_TEMPLATES: readonly SinkTemplate[] = [
  {
    type: 'csv',
    label: 'CSV file: one row per event',
    id: 'calls-csv',
    yaml: `  calls-csv:
    type: csv
    # Relative to this file; missing folders are created. {date} in the name starts a file a day.
    path: \${CSV_PATH:-data/calls.csv}
    timeZone: \${TIME_ZONE:-UTC}`,
    env: [{ name: 'CSV_PATH', description: 'The CSV file, relative to callrelay.yaml; default data/calls.csv.', example: 'data/calls.csv' }, timeZone],
    pipeline: 'Every event and every call outcome, one row each.',
    resultStep: 'a row appears in data/calls.csv',
  },
  {
    type: 'slack',
    label: 'Slack: one alert per missed call',
    id: 'slack',
    yaml: `  slack:
    type: slack
    # An incoming webhook of the channel (Slack app → Incoming Webhooks). For a bot token, write
    # token: \${SLACK_BOT_TOKEN} and channel: C0123ABCD instead.
    webhookUrl: \${SLACK_WEBHOOK_URL}
    timeZone: \${TIME_ZONE:-UTC}`,
    env: [{ name: 'SLACK_WEBHOOK_URL', description: 'Incoming webhook URL of the channel (Slack app → Incoming Webhooks).', secret: true, example: 'https://hooks.slack.com/services/T000/B000/XXXX' }, timeZone],
    when: 'type: missed',
    pipeline: 'One Slack alert per missed call (ring groups, queues and transfers folded into one call).',
    resultStep: 'a missed call (ringing, then the caller hangs up) posts one alert in the channel',
  },
  {
    type: 'webhook',
    label: 'Your endpoint: signed webhooks (Standard Webhooks)',
    id: 'my-endpoint',
    yaml: `  my-endpoint:
    type: webhook
    url: \${WEBHOOK_URL}
    # Standard Webhooks signing secret: give it to the receiver to verify the signatures. During a
    # rotation, list the new and the old one.
    secret: \${WEBHOOK_SECRET}`,
    env: [
      { name: 'WEBHOOK_URL', description: 'Where to POST each call outcome (http or https).', secret: true, example: 'https://example.com/callrelay' },
      { name: 'WEBHOOK_SECRET', description: 'Standard Webhooks signing secret (whsec_ + base64), shared with the receiver.', secret: true, generate: () => `whsec_${randomBytes(24).toString('base64')}` },
    ],
    when: 'type: [missed, completed]',
    pipeline: 'Every call outcome (missed, completed), POSTed to your endpoint, signed.',
    resultStep: 'each call outcome is POSTed to WEBHOOK_URL',
  },
  {
    type: 'hubspot',
    label: 'HubSpot: every call logged on the matching contact',
    id: 'hubspot',
    yaml: `  hubspot:
    type: hubspot
    # A private app token with the scopes crm.objects.contacts.read (and .write with createContact).
    accessToken: \${HUBSPOT_TOKEN}
    # Create a contact when none has the caller's number:
    createContact: false
    timeZone: \${TIME_ZONE:-UTC}`,
    env: [{ name: 'HUBSPOT_TOKEN', description: 'HubSpot private app access token (pat-...).', secret: true, example: 'pat-na1-00000000-0000-0000-0000-000000000000' }, timeZone],
    when: 'type: [missed, completed]',
    pipeline: 'Every call (missed, completed) logged in HubSpot on the contact with the caller\'s number.',
    resultStep: 'each call is logged on the HubSpot contact with the caller\'s number',
  },
];

export const SOURCE_TYPES = SOURCE_TEMPLATES.map((t) => t.type);
export const SINK_TYPES = SINK_TEMPLATES.map((t) => t.type);
