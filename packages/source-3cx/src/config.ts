import { isIP } from 'node:net';
import { secret, z } from '@callrelay/core';

/** An address or CIDR range (`10.0.0.0/8`, `2001:db8::/32`), checked when the config is loaded. */
const ipOrRange = z.string().refine((entry) => {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}, 'an IP address or CIDR range such as 10.0.0.0/8');

const secretList = z.union([secret(z.string().min(1)), z.array(secret(z.string().min(1))).min(1)]);

const tokenSchema = z.object({
  value: secretList.meta({ description: 'The shared token(s). List several during rotation: any one matches.', examples: ['${THREECX_TOKEN}'] }),
  header: z.string().min(1).default('x-callrelay-token')
    .meta({ description: 'Header that may carry the token (`Authorization: Bearer <token>` is accepted too).' }),
  queryParam: z.string().min(1).default('token')
    .meta({ description: 'Query parameter that may carry the token: the WebhooksApi add-on can only set a URL, so this is the usual way (`?token=...`).' }),
}).strict();

const authSchema = z.union([
  z.literal('none').meta({ description: 'No verification (explicit opt-out; logged as a warning).' }),
  z.object({
    token: tokenSchema.optional()
      .meta({ description: 'A shared token in the URL (`?token=`) or a header. The add-on signs nothing, so this is the credential.' }),
    allowIps: z.array(ipOrRange).min(1).optional()
      .meta({ description: 'Only accept requests from these addresses or CIDR ranges (the 3CX server).', examples: [['203.0.113.10', '10.0.0.0/8']] }),
  }).strict().refine((a) => a.token !== undefined || a.allowIps !== undefined, 'configure token or allowIps (or auth: none)'),
]);

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The 3CX source's own config keys (the loader adds `type`, `route`, `defaultCountry`). */
export const threeCxConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  extensionKinds: z.record(z.string(), z.string().min(1)).default({})
    .meta({ description: 'What some extension numbers are, when the add-on does not say: it reports IVRs as `other` and never names ring groups. Sets `kind` on parties with that extension.', examples: [{ '800': 'ivr', '820': 'queue', '830': 'ring-group' }] }),
  timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Prague').optional()
    .meta({ description: 'Time zone of the 3CX server (IANA name). Call ids start with the local start time (`yyMMddHHmmss`): with this set it becomes `startedAt`, and zone-less timestamps are read in it. Unset: no time is derived from local times.', examples: ['Europe/Prague'] }),
});
export type ThreeCxConfig = z.output<typeof threeCxConfig>;
export type ThreeCxAuth = ThreeCxConfig['auth'];
