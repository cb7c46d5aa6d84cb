import { formatDuration, formatLocalTime, type CallEvent, type Party } from '@callrelay/core';
import { recordingLink } from './html.js';

/**
 * Values of an event prepared for people, in scope of the title and body templates as `display`.
 * Plain text: the body template escapes every output for HTML itself (`html.ts`).
 */
export interface CallDisplay {
  /** What happened: `Missed call`, `Inbound call`, `Outbound call`... */
  title: string;
  /** `Missed call from Jane Caller (+12125551212)`: the title and the customer. */
  headline: string;
  /** `Jane Caller (+12125551212)`, or whichever of name and number is known, or `unknown caller`. */
  caller: string;
  /** `+14155550100` (with the name when the platform sent one). */
  called: string;
  /** The other party of the business: the caller of an inbound call, the called party of an outbound one. */
  customer: string;
  /** The extension or agent that answered or placed the call: `Front desk (102)`. */
  agent?: string;
  /** What rang: `101, 102`, else the agent. */
  rang?: string;
  /** When the call came in (its start, else the event time) in the configured zone: `Tue 24 Nov 2026, 14:03 (UTC)`. */
  when: string;
  timeZone: string;
  /** `18 s`, `2 min 05 s`. */
  ringDuration?: string;
  talkDuration?: string;
  /** The first https recording URL of the event or call that is a clean URL (HubSpot plays only https recordings; `html.ts`). */
  recordingUrl?: string;
}


function label(party: Party | undefined, unknown: string): string {
  if (!party) return unknown;
  const number = party.e164 ?? (party.extension ? `ext. ${party.extension}` : party.raw.trim());
  const name = party.name?.trim();
  if (name && number && name !== number) return `${name} (${number})`;
  return name || number || unknown;
}

/** `Front desk (102)`, `102`, `Front desk`. */
function agentLabel(agent: Party | undefined): string | undefined {
  if (!agent) return undefined;
  const id = agent.extension ?? agent.e164 ?? (agent.raw.trim() || undefined);
  const name = agent.name?.trim();
  if (name && id && name !== id) return `${name} (${id})`;
  return name || id;
}


/** `Tue 24 Nov 2026, 14:03 (Europe/Berlin)`. A value that is not a date is returned as is. */
export function formatWhen(instant: string, timeZone: string): string {
  return formatLocalTime(instant, timeZone) ?? instant;
}

/** What happened, in a few words. */
export function titleOf(event: CallEvent): string {
  const direction = event.direction === 'inbound' ? 'Inbound' : event.direction === 'outbound' ? 'Outbound' : event.direction === 'internal' ? 'Internal' : '';
  switch (event.type) {
    case 'missed': return event.direction === 'outbound' ? 'Unanswered outbound call' : 'Missed call';
    case 'completed': return direction ? `${direction} call` : 'Call';
    case 'ringing': return 'Call ringing';
    case 'answered': return 'Call answered';
    case 'transferred': return 'Call transferred';
    case 'recording': return 'Call recording';
    default: return direction ? `${direction} call` : 'Call';
  }
}

/** The customer side of a call: the caller of an inbound call, the called party of an outbound one. */
export function customerOf(event: CallEvent): Party | undefined {
  if (event.direction === 'inbound') return event.from;
  if (event.direction === 'outbound') return event.to;
  return undefined;
}

/** Everything the default title and notes show, prepared from one event. */
export function describeCall(event: CallEvent, timeZone: string): CallDisplay {
  const title = titleOf(event);
  const caller = label(event.from, 'unknown caller');
  const called = label(event.to, 'unknown number');
  const customerParty = customerOf(event);
  const customer = customerParty ? label(customerParty, 'unknown number') : event.to ? `${caller} to ${called}` : caller;
  const agent = agentLabel(event.agent);
  const rangList = event.call?.rang.filter((r) => r.trim() !== '') ?? [];
  const headline = event.direction === 'outbound' ? `${title} to ${customer}` : event.direction === 'inbound' ? `${title} from ${customer}` : `${title}: ${customer}`;
  return {
    title, headline, caller, called, customer, agent,
    rang: rangList.length ? rangList.join(', ') : agent,
    when: formatWhen(event.startedAt ?? event.occurredAt, timeZone),
    timeZone,
    ringDuration: formatDuration(event.ringSeconds),
    talkDuration: formatDuration(event.talkSeconds),
    recordingUrl: [event.recordingUrl, ...(event.call?.recordingUrls ?? [])].map(recordingLink).find((u) => u !== undefined),
  };
}
