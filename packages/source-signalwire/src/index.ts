import { allOf, defineSource, header, IpAllowList, verifySharedToken, type IncomingWebhook, type Source, type VerifyResult } from '@callrelay/core';
import { signalWireConfig } from './config.js';
import { replyToAction } from './action-reply.js';
import { readSignalWireParams } from './params.js';
import { SHA256_SIGNATURE_HEADER, SIGNATURE_HEADERS, signSignalWireWebhook, verifySignalWireSignature } from './signature.js';
import { signedUrls } from './signed-url.js';
import { mapSignalWireWebhook } from './webhook.js';

export { signalWireConfig, type SignalWireConfig, type SignalWireAuth } from './config.js';
export { mapSignalWireParams, STATUS_MAP } from './mapping.js';
export { mapSignalWireWebhook } from './webhook.js';
export { mapDialAction, DIAL_CALL_STATUS } from './dial-action.js';
export { mapEnqueueAction, QUEUE_RESULT } from './enqueue-action.js';
export { mapRecordingCallback } from './recording.js';
export { mapSwmlEvent } from './swml.js';
export { verifySignalWireSignature, signSignalWireRequest, signSignalWireWebhook, twilioSigningString, SIGNATURE_HEADERS, SHA256_SIGNATURE_HEADER } from './signature.js';
export { signedUrls, urlVariants, withPublicUrl } from './signed-url.js';

/**
 * SignalWire call webhooks: voice status callbacks (Twilio-compatible; form, JSON or GET query
 * string), `<Dial>`/`<Enqueue>` action callbacks, recording status callbacks, and SWML / Call Fabric
 * call-state events (JSON).
 */
const signalwire = defineSource({
  type: 'signalwire',
  platform: 'signalwire',
  description: 'SignalWire call webhooks (status, <Dial>/<Enqueue> action and recording callbacks; SWML call-state events), verified by X-SignalWire-Signature.',
  config: signalWireConfig,
  example: { type: 'signalwire', auth: { signingKey: '${SIGNALWIRE_SIGNING_KEY}' }, publicUrl: 'https://hooks.example.com/hooks/signalwire' },
  sign: (request, config) => signSignalWireWebhook(request, config),
  create(config, context): Source {
    const auth = config.auth;
    if (auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const allowList = auth !== 'none' && auth.allowIps ? new IpAllowList(auth.allowIps) : undefined;
    const keys = auth !== 'none' && auth.signingKey ? [auth.signingKey].flat() : [];
    const token = auth !== 'none' ? auth.token : undefined;
    const tokenQueryParam = token ? token.queryParam ?? 'token' : undefined;
    // What can be checked before the body arrives: the address, the token, and that a signature is
    // there at all (checking it needs the body).
    const verifyHeaders = (request: IncomingWebhook): VerifyResult => {
      if (auth === 'none') return { ok: true };
      const signed = [...SIGNATURE_HEADERS, SHA256_SIGNATURE_HEADER].some((name) => header(request, name)?.trim());
      return allOf(
        allowList ? allowList.verify(request) : { ok: true },
        token ? verifySharedToken(request, { token: token.value, header: token.header, queryParam: token.queryParam }) : { ok: true },
        keys.length && !signed ? { ok: false, reason: 'missing X-SignalWire-Signature header (a signing key is configured)' } : { ok: true },
      );
    };
    return {
      methods: ['GET', 'POST'],
      verifyHeaders,
      verify(request): VerifyResult {
        if (auth === 'none') return { ok: true };
        return allOf(
          verifyHeaders(request),
          keys.length ? verifySignalWireSignature(request, { keys, urls: signedUrls(request, config.publicUrl) }) : { ok: true },
        );
      },
      parse(request) {
        return mapSignalWireWebhook(readSignalWireParams(request, tokenQueryParam));
      },
      reply(request) {
        return replyToAction(request, tokenQueryParam) ?? {};
      },
    };
  },
});
export default signalwire;
