import { allOf, defineSource, header, IpAllowList, verifyBasicAuth, withBasicAuth, type IncomingWebhook, type Source, type VerifyResult } from '@callrelay/core';
import { jambonzConfig } from './config.js';
import { mapJambonzBody } from './mapping.js';
import { isBodilessGet, readJambonzParams } from './request.js';
import { signJambonzPayload, verifyJambonzSignature } from './signature.js';

export { mapJambonzBody } from './mapping.js';
export { isQueueEvent } from './queue-event.js';
export { readJambonzParams } from './request.js';
export { verifyJambonzSignature, signJambonzPayload } from './signature.js';

export { jambonzConfig, type JambonzConfig } from './config.js';

/** The jambonz (and Graine, same protocol) call hook, call status hook and queue event webhook. */
const jambonz = defineSource({
  type: 'jambonz',
  platform: 'jambonz',
  description: 'jambonz / Graine call hook, call status hook and queue event webhook (JSON POST, or GET), with Basic auth and Jambonz-Signature verification.',
  config: jambonzConfig,
  example: { type: 'jambonz', auth: { basic: { username: 'jambonz', password: '${JAMBONZ_PASSWORD}' } } },
  sign(request, config, { nowMs }) {
    const auth = config.auth;
    if (auth === 'none') return request;
    let signed = auth.basic ? withBasicAuth(request, auth.basic) : request;
    const secret = auth.webhookSecret === undefined ? undefined : [auth.webhookSecret].flat()[0];
    // jambonz signs the JSON body; a GET without one cannot be signed (verify refuses it, and says why).
    if (secret !== undefined && request.body !== undefined) {
      signed = { ...signed, headers: { ...signed.headers, 'jambonz-signature': signJambonzPayload(request.body, secret, Math.floor(nowMs / 1000)) } };
    }
    return signed;
  },
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
    // What can be checked before the body arrives: the address, Basic auth, and that a signature is
    // there at all (checking it needs the body).
    const verifyHeaders = (request: IncomingWebhook): VerifyResult => {
      if (auth === 'none') return { ok: true };
      return allOf(
        allowList ? allowList.verify(request) : { ok: true },
        auth.basic ? verifyBasicAuth(request, auth.basic) : { ok: true },
        secrets.length && !header(request, 'jambonz-signature') ? { ok: false, reason: 'missing Jambonz-Signature header (a webhook secret is configured)' } : { ok: true },
      );
    };
    return {
      // GET: jambonz lets an application's hooks use GET (docs: "call hook GET", query parameters).
      methods: ['POST', 'GET'],
      verifyHeaders,
      verify(request): VerifyResult {
        if (auth === 'none') return { ok: true };
        return allOf(
          verifyHeaders(request),
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
