import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { formatDuration, formatLocalTime, formatZonedTimestamp, type CallEvent, type Party } from '@callrelay/core';
import { escapeMrkdwn, linkUrl, telLink } from './escape.js';

export { escapeMrkdwn } from './escape.js';

/**
 * Values of an event prepared for a human, in scope of the message templates as `display`. Every
 * text is escaped for Slack's mrkdwn (`&`, `<`, `>`; `escape.ts`), so a caller name cannot break a
 * link or mention a channel; `*Tel` and `recordingUrl` are validated URLs for use inside
 * `<url|label>`, and `*Link` and `callBack` are such links, built by the sink.
 */
export interface CallDisplay {
  /** What happened, for a heading: `Missed call`, `Call completed`, `Incoming call ringing`... */
  title: string;
  /** Caller ID name, when the platform sent one. */
  callerName?: string;
  /** The caller's number in international format (`+1 212 555 1212`), `ext. 102`, or the raw value. */
  callerNumber?: string;
  /** `tel:+12125551212`: a link that calls the caller back. */
  callerTel?: string;
  /** The caller's number as a mrkdwn link that calls back (`<tel:+12125551212|+1 212 555 1212>`), or as text. */
  callerLink: string;
  /** `Jane Caller, +1 212 555 1212` (or whichever of the two is known, or `unknown caller`). */
  caller: string;
  calledName?: string;
  calledNumber?: string;
  calledTel?: string;
  calledLink: string;
  /** `Sales line, +1 415 555 0100` (or whichever is known, or `unknown number`). */
  called: string;
  /**
   * A mrkdwn link that calls the customer back: the caller of an inbound call, the called party
   * of an outbound one. Unset when that number is unknown or an extension.
   */
  callBack?: string;
  /** The extension or agent that answered or placed the call: `Front desk (102)`. */
  agent?: string;
  /** What rang and nobody (or someone) answered: `101, 102`, else the agent. */
  rang?: string;
  /** When the call came in (its start, else the event time) in the configured time zone: `Tue 24 Nov 2026, 14:03 (UTC)`. */
  when: string;
  /** The same instant as `2026-11-24 14:03:05+00:00`. */
  whenIso: string;
  timeZone: string;
  /** `18 s`, `2 min 05 s`. */
  ringDuration?: string;
  talkDuration?: string;
  /**
   * The first recording URL of the event or call that is a valid http(s) URL without `|`, `<`,
   * `>` or white space, ready for `<url|label>` (`&` written `&amp;`).
   */
  recordingUrl?: string;
  /** A recording value that is not such a URL (a path, another scheme, a forged value), escaped, to show as text. */
  recordingText?: string;
  /** The CRM contact an enrichment step found for the customer (`caller.name`), escaped. */
  contactName?: string;
  /** That contact as a mrkdwn link to it in the CRM (`<https://app.hubspot.com/...|Jane Doe>`), else its name. */
  contactLink?: string;
  /** `3rd call from this number today`, from `caller.callsToday` when it is 2 or more. */
  repeatCaller?: string;
  /** For `called_back` events: `Called back by Alice (102) after 12 min` / `Caller called again; answered by ... after ...`. */
  callbackNote?: string;
  /** The event's source, platform and call id, escaped. */
  source: string;
  platform: string;
  callId: string;
}


/** A party's number for people: international format for E.164 numbers, `ext. 102` for extensions, else as sent. */
export function formatNumber(party: Party | undefined): string | undefined {
  if (!party) return undefined;
  if (party.e164) return parsePhoneNumberFromString(party.e164)?.formatInternational() ?? party.e164;
  if (party.extension) return `ext. ${party.extension}`;
  const raw = party.raw.trim();
  return raw === '' ? undefined : raw;
}

/**
 * `tel:` URI of a party that can be called back, made only of `+` and digits: its E.164 form when
 * that is one, or a raw value made only of digits, spaces and `+().-`.
 */
export function telUri(party: Party | undefined): string | undefined {
  if (!party || party.extension) return undefined;
  if (party.e164) return telLink(party.e164);
  const raw = party.raw.trim();
  return /^\+?[\d\s().-]{7,}$/.test(raw) ? `tel:${raw.replace(/[^\d+]/g, '')}` : undefined;
}

function partyLabel(name: string | undefined, number: string | undefined, unknown: string): string {
  if (name && number && name !== number) return `${name}, ${number}`;
  return name ?? number ?? unknown;
}

/** `Front desk (102)`, `102`, `Front desk`. */
function agentLabel(agent: Party | undefined): string | undefined {
  if (!agent) return undefined;
  const id = agent.extension ?? formatNumber(agent);
  if (agent.name && id && agent.name !== id) return `${agent.name} (${id})`;
  return agent.name ?? id;
}


/**
 * `Tue 24 Nov 2026, 14:03 (Europe/Berlin)`: the wall-clock time where the business is, and which
 * zone that is; `whenIso` is `2026-11-24 14:03:05+01:00`. A value that is not a date is returned as is.
 */
export function formatWhen(instant: string, timeZone: string): { when: string; whenIso: string } {
  return { when: formatLocalTime(instant, timeZone) ?? instant, whenIso: formatZonedTimestamp(instant, timeZone) ?? instant };
}

/** The heading of an event: what a person reading the channel needs to know first. */
export function titleOf(event: CallEvent): string {
  const inbound = event.direction === 'inbound';
  switch (event.type) {
    case 'missed': return event.direction === 'outbound' ? 'Unanswered outbound call' : event.direction === 'internal' ? 'Missed internal call' : 'Missed call';
    case 'completed': return inbound ? 'Inbound call completed' : event.direction === 'outbound' ? 'Outbound call completed' : 'Call completed';
    case 'ringing': return inbound ? 'Incoming call ringing' : 'Call ringing';
    case 'started': return inbound ? 'Incoming call' : 'Call started';
    case 'answered': return 'Call answered';
    case 'transferred': return 'Call transferred';
    case 'ended': return 'Call ended';
    case 'recording': return 'Call recording available';
    case 'called_back': return event.callback?.via === 'inbound' ? 'Caller called again and was answered' : 'Missed call returned';
    default: return 'Call event';
  }
}

const RECORDING_TEXT_MAX = 300;
const truncated = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Everything the default message (and a user's template) shows, prepared from one event. */
export function describeCall(event: CallEvent, timeZone: string): CallDisplay {
  const esc = (v: string | undefined) => (v === undefined ? undefined : escapeMrkdwn(v));
  const callerName = esc(event.from?.name?.trim() || undefined);
  const callerNumber = esc(formatNumber(event.from));
  const callerTel = telUri(event.from);
  const calledName = esc(event.to?.name?.trim() || undefined);
  const calledNumber = esc(formatNumber(event.to));
  const calledTel = telUri(event.to);
  const link = (tel: string | undefined, number: string | undefined) => (tel && number ? `<${tel}|${number}>` : undefined);
  const agent = esc(agentLabel(event.agent));
  const rangList = event.call?.rang.filter((r) => r.trim() !== '') ?? [];
  const recordings = [event.recordingUrl, ...(event.call?.recordingUrls ?? [])].filter((u): u is string => typeof u === 'string' && u.trim() !== '');
  const recordingUrl = recordings.map(linkUrl).find((u) => u !== undefined);
  // A recording that cannot be linked is still worth knowing about: shown as text (cut short).
  const recordingText = recordingUrl === undefined && recordings[0] !== undefined ? escapeMrkdwn(truncated(recordings[0], RECORDING_TEXT_MAX)) : undefined;
  const { when, whenIso } = formatWhen(event.startedAt ?? event.occurredAt, timeZone);
  return {
    title: titleOf(event),
    callerName, callerNumber, callerTel,
    callerLink: link(callerTel, callerNumber) ?? callerNumber ?? 'unknown number',
    caller: partyLabel(callerName, callerNumber, 'unknown caller'),
    calledName, calledNumber, calledTel,
    calledLink: link(calledTel, calledNumber) ?? calledNumber ?? 'unknown number',
    called: partyLabel(calledName, calledNumber, 'unknown number'),
    callBack: event.direction === 'outbound' ? link(calledTel, calledNumber) : link(callerTel, callerNumber),
    agent,
    rang: rangList.length ? esc(rangList.join(', ')) : agent,
    when: escapeMrkdwn(when),
    whenIso: escapeMrkdwn(whenIso),
    timeZone: escapeMrkdwn(timeZone),
    ringDuration: formatDuration(event.ringSeconds),
    talkDuration: formatDuration(event.talkSeconds),
    recordingUrl,
    recordingText,
    ...contactOf(event),
    ...(event.caller?.callsToday && event.caller.callsToday >= 2 ? { repeatCaller: `${ordinal(event.caller.callsToday)} call from this number today` } : {}),
    ...(event.type === 'called_back' && event.callback ? { callbackNote: escapeMrkdwn(callbackNote(event)) } : {}),
    source: escapeMrkdwn(event.source),
    platform: escapeMrkdwn(event.platform),
    callId: escapeMrkdwn(String(event.callId)),
  };
}

/** The CRM contact's name, linked when its URL is a plain http(s) URL that fits in `<url|label>`. */
function contactOf(event: CallEvent): Pick<CallDisplay, 'contactName' | 'contactLink'> {
  const name = event.caller?.name?.trim();
  if (!name) return {};
  const contactName = escapeMrkdwn(name);
  const url = linkUrl(event.caller?.contactUrl);
  // `|` in a label would end it early in Slack's link syntax.
  return { contactName, contactLink: url ? `<${url}|${contactName.replace(/\|/g, '¦')}>` : contactName };
}

/** `1st`, `2nd`, `3rd`, `11th`, `22nd`. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}

/** `Called back by Alice (102) after 12 min` (not escaped). */
export function callbackNote(event: CallEvent): string {
  const callback = event.callback!;
  const after = formatDuration(callback.afterSeconds) ?? `${callback.afterSeconds} s`;
  const by = agentLabel(event.agent) ?? callback.by;
  return callback.via === 'inbound'
    ? `Caller called again${by ? `; answered by ${by}` : ''} after ${after}`
    : `Called back${by ? ` by ${by}` : ''} after ${after}`;
}
