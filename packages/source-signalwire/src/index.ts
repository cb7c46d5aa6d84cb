import { allOf, defineSource, IpAllowList, verifySharedToken, type Source, type VerifyResult } from '@callrelay/core';
import { signalWireConfig } from './config.js';
import { mapSignalWireParams } from './mapping.js';
import { readSignalWireParams } from './params.js';
import { verifySignalWireSignature } from './signature.js';
import { signedUrl } from './signed-url.js';

export { signalWireConfig, type SignalWireConfig, type SignalWireAuth } from './config.js';
export { mapSignalWireParams, STATUS_MAP } from './mapping.js';
export { verifySignalWireSignature, signSignalWireRequest, twilioSigningString, SIGNATURE_HEADERS, SHA256_SIGNATURE_HEADER } from './signature.js';
export { signedUrl, urlVariants } from './signed-url.js';

/** SignalWire (and Twilio-compatible) voice status callbacks: form, JSON or GET query string. */
const signalwire = defineSource({
  type: 'signalwire',
  platform: 'signalwire',
  description: 'SignalWire voice status callbacks (Twilio-compatible; form, JSON or GET), verified by X-SignalWire-Signature.',
  config: signalWireConfig,
  example: { type: 'signalwire', auth: { signingKey: '${SIGNALWIRE_SIGNING_KEY}' }, publicUrl: 'https://hooks.example.com/hooks/signalwire' },
  create(config, context): Source {
    const auth = config.auth;
    if (auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const allowList = auth !== 'none' && auth.allowIps ? new IpAllowList(auth.allowIps) : undefined;
    const keys = auth !== 'none' && auth.signingKey ? [auth.signingKey].flat() : [];
    const token = auth !== 'none' ? auth.token : undefined;
    const tokenQueryParam = token ? token.queryParam ?? 'token' : undefined;
    return {
      methods: ['GET', 'POST'],
      verify(request): VerifyResult {
        if (auth === 'none') return { ok: true };
        return allOf(
          allowList ? allowList.verify(request) : { ok: true },
          token ? verifySharedToken(request, { token: token.value, header: token.header, queryParam: token.queryParam }) : { ok: true },
          keys.length ? verifySignalWireSignature(request, { keys, url: signedUrl(request.url, config.publicUrl) }) : { ok: true },
        );
      },
      parse(request) {
        return [mapSignalWireParams(readSignalWireParams(request, tokenQueryParam))];
      },
    };
  },
});
export default signalwire;
