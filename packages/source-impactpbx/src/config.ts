import { secret, z } from '@callrelay/core';

const secretList = z.union([secret(z.string().min(1)), z.array(secret(z.string().min(1))).min(1)]);

const authSchema = z.union([
  z.literal('none').meta({ description: 'No verification (explicit opt-out; logged as a warning).' }),
  z.object({
    token: z.object({
      value: secretList.meta({ description: 'The shared token (or several, during rotation).', examples: ['${IMPACTPBX_TOKEN}'] }),
      header: z.string().min(1).optional().meta({ description: 'Header carrying the token. Default `x-callrelay-token` (`Authorization: Bearer <token>` is accepted too).' }),
      queryParam: z.string().min(1).optional().meta({ description: 'Query parameter carrying the token. Default `token`: put `?token=<secret>` in the webhook URL set in ImpactPBX.' }),
    }).strict().optional().meta({ description: 'A shared token in the webhook URL or a header (ImpactPBX signs nothing).' }),
    allowIps: z.array(z.string()).optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges.' }),
  }).strict().refine((a) => a.token || a.allowIps, 'configure token or allowIps (or auth: none)'),
]);

export const impactPbxConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
});
export type ImpactPbxConfig = z.output<typeof impactPbxConfig>;
