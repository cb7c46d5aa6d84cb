import { authSchema as coreAuthSchema, ipAllowListSchema, secretListSchema, sharedTokenSchema, z } from '@callrelay/core';

const authSchema = coreAuthSchema({
  signingKey: secretListSchema.optional().meta({
    description: 'The project Signing Key (SignalWire Dashboard → API → Signing Key): `X-SignalWire-Signature` / `X-Twilio-Signature` must match it. List the new and the old key during a reset.',
    examples: ['${SIGNALWIRE_SIGNING_KEY}'],
  }),
  token: sharedTokenSchema.optional().meta({ description: 'A shared token in the callback URL (`?token=...`) or a header, for proxies that re-sign nothing.' }),
  allowIps: ipAllowListSchema.optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges (in addition to the signature or token).' }),
}, {
  required: ['signingKey', 'token'],
  // SignalWire's addresses are shared by every SignalWire customer: an allow-list alone proves nothing.
  message: 'configure signingKey (or token); allowIps alone cannot tell your project from any other SignalWire project (or use auth: none)',
});

export const signalWireConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  publicUrl: z.url({ protocol: /^https?$/ }).optional().meta({
    description: 'The full URL SignalWire calls (as set in StatusCallback), when callrelay runs behind a proxy that changes scheme, host, port or path. Signatures are computed over this URL; the query string of each request is kept. Default: the URL the server saw (or `server.publicUrl`).',
    examples: ['https://hooks.example.com/hooks/signalwire'],
  }),
});
export type SignalWireConfig = z.output<typeof signalWireConfig>;
export type SignalWireAuth = Exclude<SignalWireConfig['auth'], 'none'>;
