import { liquid, permanentFailure, type CallEvent } from '@callrelay/core';
import { describeCall, type CallDisplay } from './display.js';
import { bodyLiquid, plainTitle } from './html.js';

type Template = ReturnType<typeof liquid.parse>;

/** The default call title: `Missed call from Jane Caller (+12125551212)`. */
export const DEFAULT_TITLE = '{{ display.headline }}';

/** The default call notes (HTML): the facts of the call and the ids to find it in callrelay. */
export const DEFAULT_BODY = [
  '<p>{{ display.headline | escape }}</p>',
  '<ul>',
  '<li>Caller: {{ display.caller | escape }}</li>',
  '<li>Called: {{ display.called | escape }}</li>',
  '{% if type == "missed" and display.rang %}<li>Rang: {{ display.rang | escape }}</li>{% elsif display.agent %}<li>Agent: {{ display.agent | escape }}</li>{% endif %}',
  '<li>When: {{ display.when | escape }}</li>',
  '{% if type == "missed" and display.ringDuration %}<li>Rang for: {{ display.ringDuration }}</li>{% endif %}',
  '{% if talkSeconds > 0 %}<li>Talk time: {{ display.talkDuration }}</li>{% endif %}',
  '{% if display.recordingUrl %}<li><a href="{{ display.recordingUrl | escape }}">Recording</a></li>{% endif %}',
  '</ul>',
  '<p>Logged by callrelay from {{ source | escape }} ({{ platform | escape }}), call {{ callId | escape }}, event {{ id | escape }}.</p>',
].join('');

/** The rendered text of a call, and what it was made from. */
export interface RenderedCall {
  title: string;
  /** The rendered owner id; null when the template rendered something that is not an owner id; absent without `owner`. */
  owner?: string | null;
  body: string;
  display: CallDisplay;
}

/**
 * Renders the title and notes of an event from the configured Liquid templates (or the defaults).
 * The notes are HTML: every `{{ }}` in them is HTML-escaped (`| escape` is kept for templates that
 * say it, and not applied twice; `| raw` opts out). The title is plain text that cannot form
 * markup (`html.ts`).
 */
export class CallTextRenderer {
  private readonly title: Template;
  private readonly body: Template;
  private readonly owner?: Template;

  constructor(private readonly options: { title?: string; body?: string; owner?: string; timeZone: string }) {
    // Parsed once at start, so a syntax error or an unknown filter stops the start, not a delivery.
    this.title = liquid.parse(options.title ?? DEFAULT_TITLE);
    this.body = bodyLiquid.parse(options.body ?? DEFAULT_BODY);
    if (options.owner !== undefined) this.owner = liquid.parse(options.owner);
  }

  async render(event: CallEvent): Promise<RenderedCall> {
    const display = describeCall(event, this.options.timeZone);
    const scope = { ...event, event, display };
    const render = async (engine: typeof liquid, template: Template, name: string) => {
      try {
        return (await engine.render(template, scope)).trim();
      } catch (err) {
        // The same event renders the same way on every attempt: retrying cannot help.
        throw permanentFailure(`rendering the ${name} template: ${(err as Error).message}`, err);
      }
    };
    const owner = this.owner ? await render(liquid, this.owner, 'owner') : undefined;
    return {
      title: plainTitle(await render(liquid, this.title, 'title')), body: await render(bodyLiquid, this.body, 'body'), display,
      // An owner id is digits: anything else (an unmatched row, a value from the webhook) assigns no one.
      ...(owner !== undefined ? { owner: /^\d{1,20}$/.test(owner) ? owner : null } : {}),
    };
  }
}
