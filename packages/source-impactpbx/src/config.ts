import { authSchema as coreAuthSchema, ipAllowListSchema, sharedTokenSchema, z } from '@callrelay/core';

const authSchema = coreAuthSchema({
  token: sharedTokenSchema.optional().meta({ description: 'A shared token in the webhook URL (`?token=<secret>` in the URL set in ImpactPBX) or a header (ImpactPBX signs nothing).' }),
  allowIps: ipAllowListSchema.optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges.' }),
}, { required: ['token', 'allowIps'] });

export const impactPbxConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
});
export type ImpactPbxConfig = z.output<typeof impactPbxConfig>;
