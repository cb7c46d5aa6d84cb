/**
 * Escaping for Slack: every value of an event may be chosen by an attacker (a caller ID name is
 * typed by the caller; ids, numbers and URLs come from webhooks anyone can forge when a source has
 * no auth), and must reach a channel as text, never as a mention, a link or markup that changes
 * the message.
 *
 * Slack's rules ("Formatting text for app surfaces", docs.slack.dev/messaging/formatting-message-text,
 * section "Escaping text"): `&`, `<` and `>` are its control characters and are written `&amp;`,
 * `&lt;`, `&gt;`; only those three are decoded. Mentions (`<!channel>`, `<!here>`, `<@U123>`,
 * `<#C123>`, `<!subteam^S123>`) and links (`<https://...|label>`) all need a `<`, so escaping
 * the three stops them.
 */

/** U+2060 WORD JOINER: invisible, and it keeps `@here` from being one word. */
const WORD_JOINER = '\u2060';
const BROADCAST = /@(here|channel|everyone)\b/gi;

/**
 * Text for mrkdwn (and the message's `text`): `&`, `<`, `>` escaped, and the plain broadcast words
 * `@here`, `@channel`, `@everyone` broken by an invisible word joiner. Slack documents `<!here>` as
 * the way to notify, and this sink never sets `link_names` or `parse: full`; but it also says that
 * in mrkdwn "certain mentions will be automatically parsed" unless `verbatim` is set, and a
 * fallback `text` has no `verbatim`. Breaking the words costs nothing visible.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(BROADCAST, (_match, word: string) => `@${WORD_JOINER}${word}`);
}

/**
 * A URL that may go inside `<url|label>`: http or https, parseable, and free of what ends or
 * splits a Slack link (`|`, `<`, `>`), white space and control or invisible format characters.
 * Returned with `&` written `&amp;` (Slack writes URLs in message text that way); undefined for
 * anything else, which is then shown as escaped text, not linked.
 */
export function linkUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || !/^https?:\/\//i.test(raw) || /[|<>\s\p{Cc}\p{Cf}]/u.test(raw)) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  return raw.replace(/&/g, '&amp;');
}

/**
 * `tel:` URI from an E.164 number, built only from `+` and digits: a value with anything else
 * (a forged `e164`) gives no link.
 */
export function telLink(e164: string): string | undefined {
  return /^\+[1-9]\d{1,14}$/.test(e164) ? `tel:${e164}` : undefined;
}

/**
 * The event for a template: every string in it (deeply: `from.name`, `raw.*`) escaped for mrkdwn,
 * so that `{{ from.name }}` or `{{ callId }}` in a user's template inserts text, not markup.
 */
export function escapedForMrkdwn<T>(value: T): T {
  if (typeof value === 'string') return escapeMrkdwn(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => escapedForMrkdwn(v)) as T;
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapedForMrkdwn(v)])) as T;
  }
  return value;
}
