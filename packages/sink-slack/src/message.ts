import { liquid, permanentFailure, type CallEvent } from '@callrelay/core';
import { describeCall, type CallDisplay } from './display.js';
import { escapedForMrkdwn } from './escape.js';
import { blocksLiquid } from './blocks-liquid.js';
import { digestLine, digestMessage, digestTitle } from './digest-message.js';

/** What is posted: `text` is the notification and the fallback where blocks cannot be shown. */
export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
  /** Web API only: the channel of this message, when `channel` is a template. Default: the configured one. */
  channel?: string;
}

/** A Block Kit block, as far as this sink builds them; a template may produce any block. */
export type SlackBlock = Record<string, unknown>;

type Template = ReturnType<typeof liquid.parse>;

const SECTION_FIELD_MAX = 2000;
const HEADER_MAX = 150;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A mrkdwn text object. `verbatim: true`: Slack then does not turn plain text into links or
 * mentions (a URL or `#general` typed as a caller name stays text); the sink's own `<url|label>`
 * links still work (docs.slack.dev/reference/block-kit/composition-objects/text-object).
 */
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: truncate(text, SECTION_FIELD_MAX), verbatim: true });

/** The one-line default text: readable as a phone notification, and what screen readers get. */
export function defaultText(event: CallEvent, d: CallDisplay): string {
  const parts: string[] = [];
  // Some platforms do not say which number was called: then the sentence stops at the caller.
  const to = d.calledName || d.calledNumber ? ` to ${d.called}` : '';
  switch (event.type) {
    case 'missed':
      parts.push(`${d.title} from ${d.contactName ? `${d.contactName}, ` : ''}${d.caller}${to}`);
      if (d.rang) parts.push(`rang ${d.rang}`);
      if (d.repeatCaller) parts.push(d.repeatCaller);
      break;
    case 'called_back':
      parts.push(`${d.callbackNote ?? d.title}: ${d.contactName ? `${d.contactName}, ` : ''}${d.caller}`);
      break;
    case 'completed':
      parts.push(event.direction === 'outbound' ? `${d.title}: ${d.agent ?? d.caller} called ${d.called}` : `${d.title}: ${d.caller}${to}`);
      if (d.agent && event.direction !== 'outbound') parts.push(`answered by ${d.agent}`);
      if (d.talkDuration) parts.push(`talk ${d.talkDuration}`);
      break;
    default:
      parts.push(`${d.title}: ${d.caller}${to}`);
      if (d.agent) parts.push(d.agent);
  }
  parts.push(d.when);
  return parts.join(' · ');
}

/**
 * The default Block Kit layout: a header, the facts as fields (caller with a link that calls back,
 * called number, who rang or answered, when, how long), the recording link, and a context line
 * with the ids to find the call again.
 */
export function defaultBlocks(event: CallEvent, d: CallDisplay): SlackBlock[] {
  // Only the customer's number is a link: calling back is the point; our own number is not.
  const outbound = event.direction === 'outbound';
  const callerNumber = (outbound ? d.callerNumber : d.callerLink) ?? 'unknown number';
  const calledNumber = (outbound ? d.calledLink : d.calledNumber) ?? 'unknown number';
  const contact = d.contactLink && d.contactName !== d.callerName ? `${d.contactLink}\n` : '';
  const fields = [mrkdwn(`*Caller*\n${contact}${d.callerName ? `${d.callerName}\n` : ''}${callerNumber}`)];
  if (d.calledName || d.calledNumber) fields.push(mrkdwn(`*Called*\n${d.calledName ? `${d.calledName}\n` : ''}${calledNumber}`));
  if (event.type === 'called_back') {
    if (d.agent) fields.push(mrkdwn(`*${event.callback?.via === 'inbound' ? 'Answered by' : 'Called back by'}*\n${d.agent}`));
  } else if (event.type === 'completed' || event.type === 'answered') {
    if (d.agent) fields.push(mrkdwn(`*Answered by*\n${d.agent}`));
  } else if (d.rang) {
    fields.push(mrkdwn(`*${event.type === 'missed' ? 'Rang' : 'Extension'}*\n${d.rang}`));
  }
  fields.push(mrkdwn(`*When*\n${d.when}`));
  if (event.type === 'missed' && d.ringDuration) fields.push(mrkdwn(`*Rang for*\n${d.ringDuration}`));
  if (event.type !== 'missed' && d.talkDuration && (event.talkSeconds ?? 0) > 0) fields.push(mrkdwn(`*Talk time*\n${d.talkDuration}`));

  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${event.type === 'missed' ? ':telephone_receiver: ' : ''}${d.title}`, HEADER_MAX), emoji: true } },
    { type: 'section', fields },
  ];
  const notes = [d.callbackNote, d.repeatCaller && `:repeat: ${d.repeatCaller}`].filter((n): n is string => Boolean(n));
  if (notes.length) blocks.push({ type: 'section', text: mrkdwn(notes.join('\n')) });
  if (d.recordingUrl) blocks.push({ type: 'section', text: mrkdwn(`<${d.recordingUrl}|Listen to the recording>`) });
  else if (d.recordingText) blocks.push({ type: 'section', text: mrkdwn(`*Recording* (not linked: not a plain http(s) URL)\n${d.recordingText}`) });
  const context = [d.callBack ? `Call back: ${d.callBack}` : undefined, `${d.source} (${d.platform})`, `call ${d.callId}`]
    .filter((p): p is string => p !== undefined)
    .join(' · ');
  blocks.push({ type: 'context', elements: [mrkdwn(context)] });
  return blocks;
}

/** Turns what a blocks template rendered into a list of blocks: a JSON array, or an object with `blocks`. */
function parseBlocks(rendered: string): SlackBlock[] {
  let value: unknown;
  try {
    value = JSON.parse(rendered);
  } catch (err) {
    throw permanentFailure(`rendering the blocks template: the result is not JSON (${(err as Error).message}); use | json on inserted values`, err);
  }
  const blocks = Array.isArray(value) ? value : (value as { blocks?: unknown } | null)?.blocks;
  if (!Array.isArray(blocks)) throw permanentFailure('rendering the blocks template: the result is neither a JSON array of blocks nor an object with "blocks"');
  return blocks as SlackBlock[];
}

/**
 * Builds the message of an event: the built-in text and blocks, or the configured Liquid
 * templates. Setting only `text` posts that text alone (no default blocks over it); setting
 * `blocks` keeps the default text as the notification unless `text` is set too.
 */
export class MessageRenderer {
  private readonly text?: Template;
  private readonly blocks?: Template;

  constructor(private readonly options: { text?: string; blocks?: string; timeZone: string }) {
    // Parsed once at start, so a syntax error or an unknown filter stops the start, not a delivery.
    if (options.text !== undefined) this.text = liquid.parse(options.text);
    if (options.blocks !== undefined) this.blocks = blocksLiquid.parse(options.blocks);
  }

  async render(event: CallEvent): Promise<SlackMessage> {
    // A digest (a pipeline's `digest`): one message listing the held calls, unless templates say otherwise.
    if (event.digest && !this.text && !this.blocks) return digestMessage(event, this.options.timeZone);
    const display = {
      ...describeCall(event, this.options.timeZone),
      ...(event.digest ? { digestTitle: digestTitle(event), digestLines: event.digest.events.map((held) => digestLine(held, this.options.timeZone)) } : {}),
    };
    // Templates see the event with every string escaped for mrkdwn: `{{ from.name }}` is text.
    const escaped = escapedForMrkdwn(event);
    const scope = { ...escaped, event: escaped, display };
    const text = this.text ? (await this.renderTemplate(liquid, this.text, scope, 'text')).trim() : defaultText(event, display);
    if (text === '') throw permanentFailure('rendering the text template: the result is empty, and Slack needs a text');
    if (this.blocks) return { text, blocks: parseBlocks(await this.renderTemplate(blocksLiquid, this.blocks, scope, 'blocks')) };
    if (this.text) return { text };
    return { text, blocks: defaultBlocks(event, display) };
  }

  private async renderTemplate(engine: typeof liquid, template: Template, scope: object, name: string): Promise<string> {
    try {
      return await engine.render(template, scope);
    } catch (err) {
      // The same event renders the same way on every attempt: retrying cannot help.
      throw permanentFailure(`rendering the ${name} template: ${(err as Error).message}`, err);
    }
  }
}
