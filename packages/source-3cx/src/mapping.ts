import { badRequest, sha256Hex, type CallDirection, type CallEventDraft, type CallOutcome, type Party, ownEntry } from '@callrelay/core';
import { idFromRecordingUrl, parseCallId, type ThreeCxCallId } from './call-id.js';
import { EVENT_RULES, FINISH_TYPES, TRANSFER_TYPES, USER_TYPES, type EventRule } from './events.js';
import { asText, EventParams, normalizeKey, stableJson } from './params.js';
import { localTimeToIso } from './time.js';
import { parseDuration, parseFlag, readTitle } from './values.js';

/** Source settings the mapping needs. */
export interface ThreeCxMappingOptions {
  /** Extension number → `Party.kind` (`{'800': 'ivr'}`), for what the add-on does not say. */
  extensionKinds?: Readonly<Record<string, string>>;
  /** IANA zone of the 3CX server, to turn the local start time of call ids into `startedAt`. */
  timeZone?: string;
}

/** Numbers this short are extensions, queues or IVRs (the core uses the same limit). */
const EXTENSION = /^\d{1,6}$/;

/**
 * Maps one WebhooksApi event (JSON or form fields, any key casing) to canonical drafts: one; one
 * per file for a recording with several `FileUrls`; an end followed by a recording per file for an
 * end that carries `FILES`. Throws `badRequest` when the fields name neither an event nor a call.
 * See docs/connectors/3cx.md for the table.
 */
export function mapThreeCxEvent(raw: Record<string, unknown>, options: ThreeCxMappingOptions = {}): CallEventDraft[] {
  const p = new EventParams(raw);
  const eventName = p.text('event');
  const id = p.text('id', 'callid');
  const urls = recordingUrls(p.value('fileurls', 'files', 'fileurl', 'file', 'recordingurl', 'recordingurls'));
  if (!eventName && !id) throw badRequest('no event name (Event) and no call id (Id), and no CallType: neither a 3CX WebhooksApi event nor a 3CX CRM journal entry');
  // An event without a name but with recording files can only be a recording.
  const eventKey = eventName ? normalizeKey(eventName) : urls.length ? 'recording' : '';
  // Own keys only: an event named `constructor` or `toString` is not a rule of the object prototype.
  const rule: EventRule | undefined = ownEntry(EVENT_RULES, eventKey);

  const ids = identify(id ?? urls.map(idFromRecordingUrl).find(Boolean), raw);
  const user = p.text('user', 'extension');
  const callerId = p.text('callerid', 'caller');
  // Some versions write the literal "empty" for no DID.
  const did = p.text('did')?.replace(/^empty$/i, '') || undefined;
  const title = p.text('title');
  const details: Record<string, unknown> = {};
  if (ids.localStart) details.idTime = ids.localStart;
  if (did) details.did = did;
  if (title) details.title = title;
  // Newer versions of the lowercase variant add these; kept for sinks and templates.
  for (const [key, names] of [['chid', ['chid']], ['breakSide', ['breakside']], ['terminationReason', ['terminationreasondetails']]] as const) {
    const value = p.text(...names);
    if (value) details[key] = value;
  }

  const base: CallEventDraft = {
    callId: ids.callId,
    ...(ids.legId ? { legId: ids.legId } : {}),
    type: rule?.type ?? 'unknown',
    ...(eventName ? { status: eventName.toLowerCase() } : {}),
    raw,
  };
  // The add-on sends no event time (no variant documents one): `occurredAt` stays unset, so it is
  // the receive time. Only the call's start, from the id, is read on the 3CX server's clock.
  const startedAt = ids.localStart && options.timeZone ? localTimeToIso(ids.localStart, options.timeZone) : undefined;
  if (startedAt) {
    base.startedAt = startedAt;
    details.pbxClock = ['startedAt'];
  }
  const flags = [...(ids.missing ? ['missing-id'] : []), ...(rule ? [] : ['unclassified'])];
  const keyOf = (...parts: (string | undefined)[]) => [ids.legId ?? ids.callId, eventKey, ...parts.map((part) => part ?? '')].join('|');
  // A recording's key does not depend on how it was announced (recording event, end event, bare URL).
  const recordingKey = (url: string) => [ids.legId ?? ids.callId, 'recording', url].join('|');

  if (!rule) {
    if (user) base.agent = extensionParty(user, kindOf(user, undefined, undefined, options));
    return [finish(base, details, flags, keyOf(user, sha256Hex(stableJson(raw)).slice(0, 16)))];
  }

  const direction = directionOf(rule, callerId);
  if (direction) base.direction = direction;
  const userType = p.text('usertype');
  if (userType) details.userType = userType;
  // Only an extension picks up, dials or records; a ringing event says what rang; an end names
  // whoever held the call last (an extension, or the queue that gave up).
  const fallbackKind = rule.family === 'ring' || rule.family === 'end' ? undefined : 'ext';
  const agent = user ? extensionParty(user, kindOf(user, userType, fallbackKind, options)) : undefined;
  if (agent) base.agent = agent;
  if (rule.direction === 'inbound') {
    const from = callerParty(callerId, callerName(p, callerId));
    if (from) base.from = from;
    // `inbound_did` (newer versions) is the dialled number; `did` is the DID rule's name.
    const inboundDid = p.text('inbounddid');
    const to = inboundDid ? { raw: inboundDid } : didParty(did);
    if (to) base.to = to;
  } else if (rule.direction === 'outbound') {
    if (agent) base.from = { ...agent };
    // `MAKECALL` (a call placed through the 3CX API) is a marker, not the number called.
    if (callerId && /\d/.test(callerId)) base.to = { raw: callerId };
    else if (callerId) details.callerId = callerId;
  }

  switch (rule.family) {
    case 'ring':
      return [finish(base, details, flags, keyOf(user, userType))];
    case 'dial':
      return [finish(base, details, flags, keyOf(user))];
    case 'answer': {
      const trType = p.text('trtype', 'transfertype');
      const transfer = trType ? ownEntry(TRANSFER_TYPES, normalizeKey(trType)) : undefined;
      if (trType) details.transferType = trType;
      if (transfer) {
        base.type = 'transferred';
        base.transfer = transfer;
      }
      return [finish(base, details, flags, keyOf(user, trType))];
    }
    case 'end': {
      // A leg ends once: the key leaves out what may differ between the end and its repeat that
      // carries the recording files (`RECORDING_FULL_INFO` in the lowercase variant).
      const recordings = urls.map((url) => finish({ ...base, type: 'recording', recordingUrl: url }, details, flags, recordingKey(url)));
      return [finish(mapEnd(base, p, details), details, flags, keyOf(user)), ...recordings];
    }
    case 'recording': {
      if (!urls.length) return [finish(base, details, flags, keyOf())];
      return urls.map((url) => finish({ ...base, recordingUrl: url }, details, flags, recordingKey(url)));
    }
  }
}

/** The form variant posts a ready recording as its bare URL; the file name carries the leg id. */
export function mapRecordingUrl(url: string): CallEventDraft {
  const ids = identify(idFromRecordingUrl(url), url);
  return finish(
    { callId: ids.callId, ...(ids.legId ? { legId: ids.legId } : {}), type: 'recording', status: 'recording', recordingUrl: url, raw: url },
    ids.localStart ? { idTime: ids.localStart } : {},
    ids.missing ? ['missing-id'] : [],
    [ids.legId ?? ids.callId, 'recording', url].join('|'),
  );
}

/**
 * An end (`incoming`/`outgoing`) says how it ended, so that its meaning does not depend on the
 * order events arrive in: `Finishtype` first, then the form variant's title, then a duration > 0.
 * `Transfer: True` ends only the transferring leg; the call goes on with the transfer target.
 */
function mapEnd(draft: CallEventDraft, p: EventParams, details: Record<string, unknown>): CallEventDraft {
  const finishType = p.text('finishtype');
  const transferred = parseFlag(p.value('transfer'));
  const title = readTitle(p.text('title'));
  const seconds = parseDuration(p.text('duration')) ?? title.durationSeconds;
  if (finishType) details.finishType = finishType;
  if (transferred !== undefined) details.transfer = transferred;
  const outcome = outcomeOf(finishType, title.answered, seconds);
  if (outcome) draft.outcome = outcome;
  if (transferred === true) draft.endsCall = false;
  if (outcome === 'answered' && seconds !== undefined) draft.talkSeconds = seconds;
  else if (outcome && outcome !== 'answered') draft.talkSeconds = 0;
  return draft;
}

function outcomeOf(finishType: string | undefined, titleAnswered: boolean | undefined, seconds: number | undefined): CallOutcome | undefined {
  const stated = finishType ? ownEntry(FINISH_TYPES, normalizeKey(finishType)) : undefined;
  if (stated) return stated;
  if (titleAnswered !== undefined) return titleAnswered ? 'answered' : 'no-answer';
  if (seconds !== undefined && seconds > 0) return 'answered';
  return undefined;
}

/** The caller's name: a name field, the 3CX phonebook entry, or a SIP display name that is not the number. */
function callerName(p: EventParams, callerId: string | undefined): string | undefined {
  const display = p.text('sipdisplayname');
  return p.text('callername', 'phonebook') ?? (display && display !== callerId ? display : undefined);
}

/** Inbound calls only ring; a caller id that is itself an extension makes the call internal. */
function directionOf(rule: EventRule, callerId: string | undefined): CallDirection | undefined {
  if (!rule.direction) return undefined;
  return callerId && EXTENSION.test(callerId) ? 'internal' : rule.direction;
}

function identify(id: string | undefined, raw: unknown): ThreeCxCallId & { missing?: boolean } {
  if (id) return parseCallId(id);
  // Kept rather than refused (it names an event), but it cannot be folded with anything.
  return { callId: `no-id-${sha256Hex(stableJson(raw)).slice(0, 16)}`, missing: true };
}

function kindOf(user: string, userType: string | undefined, fallback: string | undefined, options: ThreeCxMappingOptions): string | undefined {
  const configured = options.extensionKinds?.[user];
  if (configured) return configured;
  if (userType) return ownEntry(USER_TYPES, normalizeKey(userType)) ?? userType.toLowerCase();
  return fallback;
}

/** An extension, queue or IVR as a party (`extension` set when it is a number short enough to be one). */
export function extensionParty(user: string, kind: string | undefined): Party {
  return { raw: user, ...(EXTENSION.test(user) ? { extension: user } : {}), ...(kind ? { kind } : {}) };
}

function callerParty(callerId: string | undefined, name: string | undefined): Party | undefined {
  if (!callerId) return undefined;
  return { raw: callerId, ...(name ? { name } : {}) };
}

/**
 * `Did` is the DID rule's name, `DID-420222000320` by default: the number is the party (so it gets
 * an E.164 form); the name as sent stays in `details.did` and the raw body.
 */
function didParty(did: string | undefined): Party | undefined {
  if (!did) return undefined;
  const number = /^DID[-_:\s]?(\+?\d[\d\s-]{2,})$/i.exec(did);
  return { raw: number ? number[1]!.trim() : did };
}

/** `FileUrls` as a JSON array, or one string (several separated by commas or spaces). */
function recordingUrls(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(asText) : (asText(value)?.split(/[\s,;]+/) ?? []);
  return [...new Set(items.filter((item): item is string => !!item))];
}

function finish(draft: CallEventDraft, details: Record<string, unknown>, flags: string[], dedupeKey: string): CallEventDraft {
  const out: CallEventDraft = { ...draft, dedupeKey };
  if (Object.keys(details).length) out.details = { ...details };
  if (flags.length) out.flags = [...flags];
  return out;
}
