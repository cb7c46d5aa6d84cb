import { authSchema as coreAuthSchema, ipAllowListSchema, sharedTokenSchema, timeZoneSchema, z } from '@callrelay/core';

const authSchema = coreAuthSchema({
  token: sharedTokenSchema.optional()
    .meta({ description: 'A shared token in the URL (`?token=`, the usual way: the WebhooksApi add-on can only set a URL) or a header. The add-on signs nothing, so this is the credential.' }),
  allowIps: ipAllowListSchema.optional()
    .meta({ description: 'Only accept requests from these addresses or CIDR ranges (the 3CX server).', examples: [['203.0.113.10', '10.0.0.0/8']] }),
}, { required: ['token', 'allowIps'] });

/** The 3CX source's own config keys (the loader adds `type`, `route`, `defaultCountry`). */
export const threeCxConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  extensionKinds: z.record(z.string(), z.string().min(1)).default({})
    .meta({ description: 'What some extension numbers are, when the add-on does not say: it reports IVRs as `other` and never names ring groups. Sets `kind` on parties with that extension.', examples: [{ '800': 'ivr', '820': 'queue', '830': 'ring-group' }] }),
  timeZone: timeZoneSchema.optional()
    .meta({ description: 'Time zone of the 3CX server (IANA name). Call ids start with the local start time (`yyMMddHHmmss`): with this set it becomes `startedAt`, and zone-less timestamps are read in it. Unset: no time is derived from local times.', examples: ['Europe/Prague'] }),
});
export type ThreeCxConfig = z.output<typeof threeCxConfig>;
export type ThreeCxAuth = ThreeCxConfig['auth'];
