import { defineSource, withSharedToken, type CallEventDraft, type Source } from '@callrelay/core';
import { threeCxVerifier } from './auth.js';
import { decodeRequest } from './body.js';
import { addonMatchKey, CallMatcher } from './call-match.js';
import { threeCxConfig } from './config.js';
import { isJournalEntry, mapJournalEntry } from './journal.js';
import { mapRecordingUrl, mapThreeCxEvent } from './mapping.js';

export { threeCxConfig, type ThreeCxConfig, type ThreeCxAuth } from './config.js';
export { threeCxVerifier } from './auth.js';
export { decodeRequest, type DecodedRequest } from './body.js';
export { mapThreeCxEvent, mapRecordingUrl, type ThreeCxMappingOptions } from './mapping.js';
export { mapJournalEntry, isJournalEntry, JOURNAL_CALL_TYPES, type JournalMapping } from './journal.js';
export { CallMatcher, addonMatchKey, numberKey, JOURNAL_CALL_PREFIX, type CallMatchKey } from './call-match.js';
export { parseCallId, idFromRecordingUrl, type ThreeCxCallId } from './call-id.js';
export { parseDuration, parseFlag, readTitle } from './values.js';
export { parseTimestamp, parsePbxTime, localTimeToIso, isoToLocalTime, compactLocalTime } from './time.js';
export { parseLooseForm } from './form.js';
export { EVENT_RULES, FINISH_TYPES, USER_TYPES, TRANSFER_TYPES, type EventRule, type EventFamily } from './events.js';

/** 3CX: the WebhooksApi add-on (JSON and form variants, POST or GET) and 3CX's own CRM call journal. */
const threeCx = defineSource({
  type: '3cx',
  platform: '3cx',
  description: '3CX: the WebhooksApi add-on (ringing, pickups, transfers, ends and recordings; JSON, form or GET query) and the call journal of 3CX\'s own server-side CRM integration (no add-on needed), with a token and/or an IP allow-list.',
  config: threeCxConfig,
  example: { type: '3cx', auth: { token: { value: '${THREECX_TOKEN}' } }, extensionKinds: { '800': 'ivr' } },
  // The token in the URL: the add-on can only set a URL, so that is how 3CX sends it.
  sign: (request, config) => (config.auth !== 'none' && config.auth.token ? withSharedToken(request, config.auth.token) : request),
  create(config, context): Source {
    if (config.auth === 'none') context.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    const verify = threeCxVerifier(config.auth);
    // The token is not an event field: leave it out of GET parameters.
    const tokenParam = config.auth !== 'none' && config.auth.token ? config.auth.token.queryParam : 'token';
    const options = { extensionKinds: config.extensionKinds, ...(config.timeZone ? { timeZone: config.timeZone } : {}) };
    const matcher = new CallMatcher(context.state, context.logger);
    return {
      methods: ['POST', 'GET'],
      // The add-on's token and the PBX's address are all there is to check, and both arrive before
      // the body: the whole verification runs before the body is read.
      verifyHeaders: verify,
      verify,
      async parse(request): Promise<CallEventDraft[]> {
        const decoded = decodeRequest(request, [tokenParam]);
        if (decoded.kind === 'recording-url') return [mapRecordingUrl(decoded.url)];
        const flagRepaired = (drafts: CallEventDraft[]) => decoded.repaired
          ? drafts.map((draft) => ({ ...draft, flags: [...(draft.flags ?? []), 'repaired-body'] }))
          : drafts;
        if (isJournalEntry(decoded.params)) {
          const journal = mapJournalEntry(decoded.params, options);
          const callId = journal.match ? await matcher.forJournal(journal.match, journal.ownCallId) : journal.ownCallId;
          return flagRepaired(journal.drafts.map((draft) => ({ ...draft, callId })));
        }
        const drafts = flagRepaired(mapThreeCxEvent(decoded.params, options));
        // Every draft of one add-on request is about the same call.
        const key = addonMatchKey(drafts[0]);
        if (!key) return drafts;
        const callId = await matcher.forAddon(key, drafts[0]!.callId);
        return callId === drafts[0]!.callId ? drafts : drafts.map((draft) => ({ ...draft, callId }));
      },
    };
  },
});
export default threeCx;
