import type { CallEvent } from '@callrelay/core';
import { describeCall } from './display.js';
import { escapeMrkdwn } from './escape.js';
import type { SlackBlock, SlackMessage } from './message.js';

// Slack's limits: a section's text up to 3000 characters, 50 blocks a message, and a message
// text of 40,000 (docs.slack.dev/reference/block-kit/blocks). Lines are packed into sections below
// these, and a digest longer than a message holds says how many calls it leaves out.
const SECTION_MAX = 2900;
const MAX_SECTIONS = 45;
const TEXT_MAX = 35_000;

/** One line per call: when, who called, whom, what rang; every value escaped (`describeCall`). */
export function digestLine(event: CallEvent, timeZone: string): string {
  const d = describeCall(event, timeZone);
  const parts = [d.when, d.callerLink === d.caller ? d.caller : `${d.callerName ? `${d.callerName}, ` : ''}${d.callerLink}`];
  if (d.calledName || d.calledNumber) parts.push(`to ${d.called}`);
  if (d.rang) parts.push(`rang ${d.rang}`);
  if (event.route && typeof event.route.team === 'string') parts.push(`team ${escapeMrkdwn(event.route.team)}`);
  return `• ${parts.join(' · ')}`;
}

/** The heading: `3 missed calls while office was closed`. */
export function digestTitle(event: CallEvent): string {
  const digest = event.digest!;
  const what = event.type === 'missed' ? 'missed call' : 'call';
  return `${digest.count} ${what}${digest.count === 1 ? '' : 's'} while ${escapeMrkdwn(digest.calendar)} was closed`;
}

/**
 * The default message of a digest: a header, the calls one per line packed into sections, and a
 * context line. The text (the notification and fallback) has the same lines.
 */
export function digestMessage(event: CallEvent, timeZone: string): SlackMessage {
  const lines = event.digest!.events.map((held) => digestLine(held, timeZone));
  const title = digestTitle(event);
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  for (const line of lines) {
    const piece = line.length > SECTION_MAX ? `${line.slice(0, SECTION_MAX - 1)}…` : line;
    if (current && current.length + 1 + piece.length > SECTION_MAX) {
      if (sections.length + 1 >= MAX_SECTIONS) break;
      sections.push(current);
      current = '';
    }
    current = current ? `${current}\n${piece}` : piece;
    shown++;
  }
  if (current) sections.push(current);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    ...sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } })),
  ];
  const more = lines.length - shown;
  if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${more} more`, verbatim: true }] });
  let text = `${title}\n${lines.join('\n')}`;
  if (text.length > TEXT_MAX) text = `${text.slice(0, TEXT_MAX - 1)}…`;
  return { text, blocks };
}
