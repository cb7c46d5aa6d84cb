import { defineSource, type CallEventDraft, type Source } from '@callrelay/core';
import { threeCxVerifier } from './auth.js';
import { decodeRequest } from './body.js';
import { threeCxConfig } from './config.js';
import { mapRecordingUrl, mapThreeCxEvent } from './mapping.js';

export { threeCxConfig, type ThreeCxConfig, type ThreeCxAuth } from './config.js';
export { threeCxVerifier } from './auth.js';
export { decodeRequest, type DecodedRequest } from './body.js';
export { mapThreeCxEvent, mapRecordingUrl, type ThreeCxMappingOptions } from './mapping.js';
export { parseCallId, idFromRecordingUrl, type ThreeCxCallId } from './call-id.js';
export { parseDuration, parseFlag, readTitle } from './values.js';
export { parseTimestamp, localTimeToIso } from './time.js';
export { parseLooseForm } from './form.js';
export { EVENT_RULES, FINISH_TYPES, USER_TYPES, TRANSFER_TYPES, type EventRule, type EventFamily } from './events.js';

/** The 3CX WebhooksApi add-on (JSON and form variants, POST or GET). */
const threeCx = defineSource({
  type: '3cx',
  platform: '3cx',
  description: '3CX WebhooksApi add-on: ringing, pickups, transfers, ends and recordings (JSON, form or GET query), with a URL token and/or an IP allow-list.',
  config: threeCxConfig,
  example: { type: '3cx', auth: { token: { value: '${THREECX_TOKEN}' } }, extensionKinds: { '800': 'ivr' } },
  create(config, context): Source {
    if (config.auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const verify = threeCxVerifier(config.auth);
    // The token is not an event field: leave it out of GET parameters.
    const tokenParam = config.auth !== 'none' && config.auth.token ? config.auth.token.queryParam : 'token';
    const options = { extensionKinds: config.extensionKinds, ...(config.timeZone ? { timeZone: config.timeZone } : {}) };
    return {
      methods: ['POST', 'GET'],
      verify,
      parse(request): CallEventDraft[] {
        const decoded = decodeRequest(request, [tokenParam]);
        if (decoded.kind === 'recording-url') return [mapRecordingUrl(decoded.url)];
        const drafts = mapThreeCxEvent(decoded.params, options);
        if (decoded.repaired) for (const draft of drafts) draft.flags = [...(draft.flags ?? []), 'repaired-body'];
        return drafts;
      },
    };
  },
});
export default threeCx;
