import { allOf, defineSource, header, IpAllowList, secret, verifyBasicAuth, z, type IncomingWebhook, type Source, type VerifyResult } from '@callrelay/core';
import { mapJambonzBody } from './mapping.js';
import { isBodilessGet, readJambonzParams } from './request.js';
import { verifyJambonzSignature } from './signature.js';

export { mapJambonzBody } from './mapping.js';
export { isQueueEvent } from './queue-event.js';
export { readJambonzParams } from './request.js';
export { verifyJambonzSignature, signJambonzPayload } from './signature.js';

const secretList = z.union([secret(z.string().min(1)), z.array(secret(z.string().min(1))).min(1)]);

const authSchema = z.union([
  z.literal('none').meta({ description: 'No verification (explicit opt-out; logged as a warning).' }),
  z.object({
    basic: z.object({ username: z.string().min(1), password: secret(z.string().min(1)) }).strict().optional()
      .meta({ description: 'HTTP Basic credentials set on the jambonz application (call hook / status hook "username" and "password").' }),
    webhookSecret: secretList.optional()
      .meta({ description: 'The account webhook secret(s): the `Jambonz-Signature` header must match one. List several during rotation.' }),
    toleranceSeconds: z.number().int().min(1).default(300)
      .meta({ description: 'Refuse signatures whose timestamp is further than this from now (replay protection).' }),
    allowIps: z.array(z.string()).optional().meta({ description: 'Only accept requests from these addresses or CIDR ranges.' }),
  }).strict().refine((a) => a.basic || a.webhookSecret || a.allowIps, 'configure basic, webhookSecret or allowIps (or auth: none)'),
]);

export const jambonzConfig = z.object({
  auth: authSchema.meta({ description: 'How requests are verified. All configured methods must pass. Required: use `none` to opt out explicitly.' }),
  callHookVerbs: z.array(z.looseObject({ verb: z.string() })).default([])
    .meta({ description: 'The verbs answered to the call hook (jambonz ignores the body of status hook answers). Default `[]`: callrelay only observes; point the call hook at callrelay only if these verbs are what the call should do.', examples: [[{ verb: 'say', text: 'Please hold.' }, { verb: 'dial', target: [{ type: 'user', name: 'sales@example.com' }] }]] }),
});
export type JambonzConfig = z.output<typeof jambonzConfig>;

/** The jambonz (and Graine, same protocol) call hook, call status hook and queue event webhook. */
const jambonz = defineSource({
  type: 'jambonz',
  platform: 'jambonz',
  description: 'jambonz / Graine call hook, call status hook and queue event webhook (JSON POST, or GET), with Basic auth and Jambonz-Signature verification.',
  config: jambonzConfig,
  example: { type: 'jambonz', auth: { basic: { username: 'jambonz', password: '${JAMBONZ_PASSWORD}' } } },
  create(config, context): Source {
    const auth = config.auth;
    if (auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const allowList = auth !== 'none' && auth.allowIps ? new IpAllowList(auth.allowIps) : undefined;
    const secrets = auth !== 'none' && auth.webhookSecret ? [auth.webhookSecret].flat() : [];
    const verifySignature = (request: IncomingWebhook, toleranceSeconds: number): VerifyResult => {
      // jambonz signs `<t>.<JSON payload>` and sends that payload only as a body: a query string is
      // covered by no signature, so accepting it would let a captured header vouch for any query.
      if (isBodilessGet(request)) {
        return { ok: false, reason: 'a GET without a body cannot be verified with Jambonz-Signature (jambonz signs a JSON body); use auth.basic or auth.allowIps for hooks set to GET, or set the hook to POST' };
      }
      return verifyJambonzSignature(header(request, 'jambonz-signature'), request.rawBody, { secrets, toleranceSeconds, nowMs: context.clock.now() });
    };
    return {
      // GET: jambonz lets an application's hooks use GET (docs: "call hook GET", query parameters).
      methods: ['POST', 'GET'],
      verify(request): VerifyResult {
        if (auth === 'none') return { ok: true };
        return allOf(
          allowList ? allowList.verify(request) : { ok: true },
          auth.basic ? verifyBasicAuth(request, auth.basic) : { ok: true },
          secrets.length ? verifySignature(request, auth.toleranceSeconds) : { ok: true },
        );
      },
      parse(request) {
        return [mapJambonzBody(readJambonzParams(request))];
      },
      reply() {
        return { status: 200, body: config.callHookVerbs };
      },
    };
  },
});
export default jambonz;
