import { allOf, defineSource, IpAllowList, verifySharedToken, withSharedToken, type IncomingWebhook, type Source, type VerifyResult } from '@callrelay/core';
import { readImpactBody } from './body.js';
import { impactPbxConfig } from './config.js';
import { mapImpactBody } from './mapping.js';

export { impactPbxConfig, type ImpactPbxConfig } from './config.js';
export { mapImpactBody, ACTION_MAP } from './mapping.js';
export { readImpactBody, repairJson, type ImpactBody } from './body.js';
export { answeredPerPayload } from './answer.js';
export { platformE164 } from './parties.js';

/** ImpactPBX call webhooks (Integrations → Webhooks): originate, ring, answer, hangup, failed. */
const impactpbx = defineSource({
  type: 'impactpbx',
  platform: 'impactpbx',
  description: 'ImpactPBX call webhooks (originate, ring, answer, hangup, failed; JSON, repaired when malformed), verified by a shared token and/or an IP allow-list.',
  config: impactPbxConfig,
  example: { type: 'impactpbx', auth: { token: { value: '${IMPACTPBX_TOKEN}' } } },
  // The token in the URL, as the webhook URL set in ImpactPBX carries it.
  sign: (request, config) => (config.auth !== 'none' && config.auth.token ? withSharedToken(request, config.auth.token) : request),
  create(config, context): Source {
    const auth = config.auth;
    if (auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const allowList = auth !== 'none' && auth.allowIps ? new IpAllowList(auth.allowIps) : undefined;
    const token = auth !== 'none' ? auth.token : undefined;
    // Every credential ImpactPBX can send is in the headers or the URL: all of it is checked before
    // the body is read.
    const verifyHeaders = (request: IncomingWebhook): VerifyResult => {
      if (auth === 'none') return { ok: true };
      return allOf(
        allowList ? allowList.verify(request) : { ok: true },
        token ? verifySharedToken(request, { token: token.value, header: token.header, queryParam: token.queryParam }) : { ok: true },
      );
    };
    return {
      methods: ['POST'],
      verifyHeaders,
      verify: verifyHeaders,
      parse(request) {
        const { body, repaired } = readImpactBody(request);
        if (repaired) context.logger.warn({ source: context.id }, 'ImpactPBX sent malformed JSON; repaired it (event flagged repaired-body)');
        return [mapImpactBody(body, { repaired })];
      },
    };
  },
});
export default impactpbx;
