import { authSchema, basicAuthSchema, ipAllowListSchema, secretListSchema, z } from '@callrelay/core';

const auth = authSchema({
  basic: basicAuthSchema.optional()
    .meta({ description: 'HTTP Basic credentials set on the jambonz application (call hook / status hook "username" and "password").' }),
  webhookSecret: secretListSchema.optional()
    .meta({ description: 'The account webhook secret(s): the `Jambonz-Signature` header must match one. List several during rotation.' }),
  toleranceSeconds: z.number().int().min(1).default(300)
    .meta({ description: 'Refuse signatures whose timestamp is further than this from now (replay protection).' }),
  allowIps: ipAllowListSchema.optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges (your jambonz SBCs / feature servers).' }),
}, { required: ['basic', 'webhookSecret', 'allowIps'] });

/** The jambonz source's own config keys (the loader adds `type`, `route`, `defaultCountry`). */
export const jambonzConfig = z.object({
  auth: auth.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  callHookVerbs: z.array(z.looseObject({ verb: z.string() })).default([])
    .meta({ description: 'The verbs answered to the call hook (jambonz ignores the body of status hook answers). Default `[]`: callrelay only observes; point the call hook at callrelay only if these verbs are what the call should do.', examples: [[{ verb: 'say', text: 'Please hold.' }, { verb: 'dial', target: [{ type: 'user', name: 'sales@example.com' }] }]] }),
});
export type JambonzConfig = z.output<typeof jambonzConfig>;
