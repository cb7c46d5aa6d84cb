import { formatDuration, formatLocalTime, type CallEvent, type Party } from '@callrelay/core';
import type { TeamsSinkConfig } from './config.js';
import { escapeMarkdown, plainText } from './markdown.js';
import { callBackUri, displayNumber } from './phone.js';

/**
 * The highest Adaptive Card version Teams Workflows accept: "Post card in a chat or channel"
 * refuses 1.5 cards, and 1.4 renders the same in legacy incoming webhooks.
 */
export const CARD_VERSION = '1.4';

/** An Adaptive Card element or action, as JSON. */
type CardElement = Record<string, unknown>;

/** What a Teams webhook takes: a message with one Adaptive Card attachment. */
export interface TeamsMessage {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

/** The Adaptive Card of one event. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  /** Plain text for clients that cannot show the card (notifications). */
  fallbackText: string;
  body: CardElement[];
  actions?: CardElement[];
  msteams: { width: 'Full' };
}

/** Options of the card: the config's display settings. */
export type CardOptions = Pick<TeamsSinkConfig, 'title' | 'timeZone'>;

/**
 * The Teams message for an event: for a missed call, a heading, the caller (name and number), the
 * number called and who rang, the ring time and local time, and a button that calls back (`tel:`,
 * only for a valid E.164 number); for other events, a heading and one line. Every value that came
 * from a webhook is escaped ({@link escapeMarkdown}).
 */
export function teamsMessage(event: CallEvent, options: CardOptions): TeamsMessage {
  const card = event.type === 'missed' ? missedCallCard(event, options) : eventCard(event, options);
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

function missedCallCard(event: CallEvent, options: CardOptions): AdaptiveCard {
  const caller = partyText(event.from, 'Unknown caller');
  const when = formatLocalTime(event.startedAt ?? event.occurredAt, options.timeZone);
  const ring = formatDuration(event.ringSeconds);
  const rang = event.call?.rang?.length ? event.call.rang.join(', ') : undefined;
  const facts: [string, string | undefined][] = [
    ['Caller', caller.markdown],
    ['Called', event.to ? partyText(event.to, 'unknown').markdown : undefined],
    ['Agent', agentText(event.agent)],
    ['Rang', rang ? escapeMarkdown(rang) : undefined],
    ['Ring time', ring],
    ['Time', when],
  ];
  const callBack = event.direction === 'outbound' ? callBackUri(event.to) : callBackUri(event.from);
  return card(`${options.title}: ${caller.plain}${when ? `, ${when}` : ''}`, [
    heading(options.title),
    { type: 'TextBlock', text: caller.markdown, size: 'Medium', wrap: true, spacing: 'None' },
    { type: 'FactSet', facts: facts.filter(([, value]) => value !== undefined).map(([title, value]) => ({ title, value })) },
  ], callBack ? [{ type: 'Action.OpenUrl', title: 'Call back', url: callBack }] : undefined);
}

function eventCard(event: CallEvent, options: CardOptions): AdaptiveCard {
  const title = titleOf(event);
  const from = partyText(event.from, 'unknown caller');
  const to = partyText(event.to, 'unknown number');
  const when = formatLocalTime(event.occurredAt, options.timeZone);
  const line = `${from.markdown} → ${to.markdown}${when ? ` · ${when}` : ''}`;
  return card(`${title}: ${from.plain} → ${to.plain}`, [heading(title), { type: 'TextBlock', text: line, wrap: true, spacing: 'None' }]);
}

function card(fallbackText: string, body: CardElement[], actions?: CardElement[]): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    fallbackText,
    body,
    ...(actions ? { actions } : {}),
    msteams: { width: 'Full' },
  };
}

function heading(title: string): CardElement {
  return { type: 'TextBlock', text: escapeMarkdown(title, 100), weight: 'Bolder', size: 'Large', wrap: true };
}

/** `Jane Caller · +1 212 555 1212`, whichever of name and number is known, escaped; and the same as plain text. */
function partyText(party: Party | undefined, unknown: string): { markdown: string; plain: string } {
  const name = party?.name?.trim() ? party.name : undefined;
  const number = displayNumber(party);
  const parts = [name, number !== name ? number : undefined].filter((p): p is string => p !== undefined);
  if (!parts.length) return { markdown: unknown, plain: unknown };
  return { markdown: parts.map((p) => escapeMarkdown(p)).join(' · '), plain: parts.map((p) => plainText(p)).join(' · ') };
}

/** `Front desk (102)`, escaped. */
function agentText(agent: Party | undefined): string | undefined {
  if (!agent) return undefined;
  const id = agent.extension ?? displayNumber(agent);
  if (agent.name && id && agent.name !== id) return `${escapeMarkdown(agent.name)} (${escapeMarkdown(id)})`;
  const label = agent.name ?? id;
  return label ? escapeMarkdown(label) : undefined;
}

/** The heading of an event other than a missed call. */
export function titleOf(event: CallEvent): string {
  switch (event.type) {
    case 'missed': return 'Missed call';
    case 'completed': return 'Call completed';
    case 'called_back': return 'Missed call returned';
    case 'ringing': return 'Call ringing';
    case 'started': return 'Call started';
    case 'answered': return 'Call answered';
    case 'transferred': return 'Call transferred';
    case 'ended': return 'Call ended';
    case 'recording': return 'Call recording available';
    default: return 'Call event';
  }
}
