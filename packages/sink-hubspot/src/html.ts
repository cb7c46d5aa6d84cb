import { liquid } from '@callrelay/core';

/**
 * What the sink writes into HubSpot's call text. Every value of an event may be chosen by an
 * attacker (a caller ID name is typed by the caller; ids, numbers and URLs come from webhooks
 * anyone can forge when a source has no auth).
 *
 * `hs_call_body` is rich text: HubSpot shows it as HTML. So every `{{ }}` of the body template is
 * HTML-escaped, whether or not the template says `| escape`.
 *
 * `hs_call_title` is documented only as "the title of the call"; whether HubSpot's UI ever reads
 * it as HTML is not documented. It is written so that it cannot carry markup in either reading
 * (see {@link plainTitle}).
 */

type Engine = typeof liquid;
type EngineClass = new (options: { strictFilters: boolean; strictVariables: boolean; cache: boolean; outputEscape: (value: unknown) => string }) => Engine;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const DECODED: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&#34;': '"', '&#39;': "'", '&quot;': '"' };

/**
 * Liquid's `escape_once`: HTML-escapes, leaving what is already one of these entities as it is, so
 * that `{{ display.caller | escape }}` (the default template, and templates written for earlier
 * versions) is not escaped twice.
 */
function escapeOnce(value: unknown): string {
  const text = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.map(text).join('') : String(v));
  return text(value).replace(/&(amp|lt|gt|#34|#39|quot);/g, (entity) => DECODED[entity]!).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * The engine of the body template: core's engine with every output HTML-escaped (`| raw` opts
 * out). A variant of a shared piece, so said here: core exports one engine and not its class, and
 * this package does not depend on liquidjs itself, so the class is taken from core's engine.
 */
export const bodyLiquid: Engine = new (liquid.constructor as EngineClass)({
  strictFilters: true, strictVariables: false, cache: true, outputEscape: escapeOnce,
});

/**
 * A title that is text in any reading: control characters (line breaks, ESC...) become spaces, and
 * `<` `>` become the look-alikes `‹` `›`, so that no tag can be formed should HTML ever be read
 * there, while `&lt;` is never shown to a person who reads it as plain text.
 */
export function plainTitle(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/</g, '\u2039').replace(/>/g, '\u203a').replace(/ {2,}/g, ' ').trim();
}

/**
 * The recording URL HubSpot may play and the notes may link: https (HubSpot accepts only that),
 * parseable, without white space, control characters, quotes or `<` `>` `|`. Anything else is
 * left out of `hs_call_recording_url` and of the notes' link.
 */
export function recordingLink(raw: string | undefined): string | undefined {
  if (raw === undefined || !/^https:\/\//i.test(raw) || /[\s\p{Cc}\p{Cf}<>"'`|]/u.test(raw)) return undefined;
  try {
    return new URL(raw).protocol === 'https:' ? raw : undefined;
  } catch {
    return undefined;
  }
}
