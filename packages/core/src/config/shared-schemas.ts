import { z } from 'zod';
import { secret } from './schema.js';
import { parseIpRange } from '../util/verify.js';
import { isTimeZone } from '../util/time-zone.js';

/*
 * Config building blocks shared by the connectors, each validated when the config is loaded: a
 * mistake is reported by `callrelay validate` with its path and line (`sources.pbx.auth.allowIps.0:
 * an IP address or CIDR range...`), never later by `run` without saying which source it was.
 * A connector adds its own description with `.meta({ description })` where it uses one.
 */

/** An address or CIDR range (`203.0.113.10`, `10.0.0.0/8`, `2001:db8::/32`), read as `IpAllowList` reads it. */
export const ipRangeSchema = z.string()
  .refine((entry) => parseIpRange(entry) !== undefined, 'an IP address or CIDR range such as 203.0.113.10, 10.0.0.0/8 or 2001:db8::/32')
  .meta({ description: 'An IPv4 or IPv6 address, or a CIDR range.', examples: ['203.0.113.10', '10.0.0.0/8', '2001:db8::/32'] });

/** A non-empty list of {@link ipRangeSchema}: an empty allow-list would refuse every request. */
export const ipAllowListSchema = z.array(ipRangeSchema)
  .min(1, 'list at least one address or range, or leave allowIps out')
  .meta({ description: 'Only accept requests from these addresses or CIDR ranges.', examples: [['203.0.113.10', '10.0.0.0/8']] });

/** One secret (a token, a password, a signing key): not empty, redacted in logs. */
export const secretSchema = secret(z.string().min(1, 'a secret cannot be empty'));

/** One secret, or several during a rotation (any one of them is accepted). */
export const secretListSchema = z.union([secretSchema, z.array(secretSchema).min(1, 'list at least one secret')])
  .meta({ description: 'A secret, or a list of secrets during a rotation (any one matches).' });

/** An IANA time zone name that this Node.js knows (`UTC`, `Europe/Berlin`). */
export const timeZoneSchema = z.string()
  .refine(isTimeZone, 'an IANA time zone such as UTC, Europe/Berlin or America/New_York')
  .meta({ description: 'An IANA time zone name.', examples: ['UTC', 'Europe/Berlin', 'America/New_York'] });

/** HTTP Basic credentials a platform sends (`verifyBasicAuth`). */
export const basicAuthSchema = z.object({
  username: z.string().min(1).meta({ description: 'The user name the platform sends.' }),
  password: secret(z.string().min(1, 'a password cannot be empty')).meta({ description: 'The password the platform sends.' }),
}).strict().meta({ description: 'HTTP Basic credentials the platform sends with every request.' });

/** A shared token sent in a header or a query parameter (`verifySharedToken`), for platforms that sign nothing. */
export const sharedTokenSchema = z.object({
  value: secretListSchema.meta({ description: 'The shared token (or several, during a rotation: any one matches).', examples: ['${WEBHOOK_TOKEN}'] }),
  header: z.string().min(1).default('x-callrelay-token')
    .meta({ description: 'Header that may carry the token (`Authorization: Bearer <token>` is accepted too).' }),
  queryParam: z.string().min(1).default('token')
    .meta({ description: 'Query parameter that may carry the token (`?token=...` in the webhook URL set on the platform).' }),
}).strict().meta({ description: 'A shared token in the webhook URL or a header.' });

/** The value of `auth: none`: verification turned off, explicitly (each source logs it as a warning). */
export const noAuthSchema = z.literal('none').meta({ description: 'No verification (explicit opt-out; logged as a warning).' });

/**
 * A source's `auth`: `none`, or an object of verification methods (all configured ones must
 * pass) in which at least one of `required` is set. Sources fail closed: there is no default.
 */
export function authSchema<S extends z.ZodRawShape>(methods: S, options: { required: readonly (keyof S & string)[]; message?: string }) {
  const message = options.message ?? `configure ${options.required.join(' or ')} (or auth: none)`;
  return z.union([
    noAuthSchema,
    z.object(methods).strict().refine((auth) => options.required.some((key) => (auth as Record<string, unknown>)[key] !== undefined), { message }),
  ]);
}
