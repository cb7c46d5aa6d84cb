import { secret, z } from '@callrelay/core';

const secretList = z.union([secret(z.string().min(1)), z.array(secret(z.string().min(1))).min(1)]);

const tokenSchema = z.object({
  value: secretList.meta({ description: 'The shared token (or several, during rotation).' }),
  header: z.string().min(1).optional().meta({ description: 'Header carrying the token. Default `x-callrelay-token` (`Authorization: Bearer <token>` is accepted too).' }),
  queryParam: z.string().min(1).optional().meta({ description: 'Query parameter carrying the token. Default `token`.' }),
}).strict();

const authSchema = z.union([
  z.literal('none').meta({ description: 'No verification (explicit opt-out; logged as a warning).' }),
  z.object({
    signingKey: secretList.optional().meta({
      description: 'The project Signing Key (SignalWire Dashboard → API → Signing Key): `X-SignalWire-Signature` / `X-Twilio-Signature` must match it. List the new and the old key during a reset.',
      examples: ['${SIGNALWIRE_SIGNING_KEY}'],
    }),
    token: tokenSchema.optional().meta({ description: 'A shared token in the callback URL (`?token=...`) or a header, for proxies that re-sign nothing.' }),
    allowIps: z.array(z.string()).optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges (in addition to the signature or token).' }),
  }).strict().refine((a) => a.signingKey || a.token, {
    // SignalWire's addresses are shared by every SignalWire customer: an allow-list alone proves nothing.
    message: 'configure signingKey (or token); allowIps alone cannot tell your project from any other SignalWire project (or use auth: none)',
  }),
]);

export const signalWireConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  publicUrl: z.url({ protocol: /^https?$/ }).optional().meta({
    description: 'The full URL SignalWire calls (as set in StatusCallback), when callrelay runs behind a proxy that changes scheme, host, port or path. Signatures are computed over this URL; the query string of each request is kept. Default: the URL the server saw (or `server.publicUrl`).',
    examples: ['https://hooks.example.com/hooks/signalwire'],
  }),
});
export type SignalWireConfig = z.output<typeof signalWireConfig>;
export type SignalWireAuth = Exclude<SignalWireConfig['auth'], 'none'>;
