/**
 * Escaping for the text of an Adaptive Card in Teams. TextBlock and FactSet values render a subset
 * of Markdown (`**bold**`, `_italic_`, `[link](url)`, lists, headings), so a caller name such as
 * `[Click here](https://evil.example)` or `**URGENT**` would become a link or bold text. Every
 * character that Markdown can read as syntax gets a backslash (CommonMark lets any ASCII
 * punctuation be escaped so), `<`, `>` and `&` included so that no HTML entity or tag forms.
 */
const INLINE_SYNTAX = /[\\`*_{}[\]()<>&!|~#]/g;

/** Characters that must never reach a card: control characters and bidirectional overrides. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A value from a webhook, as text that Teams shows literally: one line (white space and line breaks
 * collapsed, so no list or heading can start a line), invisible characters removed, Markdown
 * syntax escaped, at most `max` characters (an ellipsis marks a cut).
 */
export function escapeMarkdown(value: string, max = 200): string {
  let text = plainText(value);
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  text = text.replace(INLINE_SYNTAX, (c) => `\\${c}`);
  // What starts a block only at the start of a line and before a space: `- item`, `+ item`, `1. item`
  // (`#` and `>` are escaped above wherever they are; `+1 212...` is a number, left as is).
  return text.replace(/^([-+])(?=\s)/, '\\$1').replace(/^(\d+)([.)])(?=\s)/, '$1\\$2');
}

/** A value from a webhook as plain text (for `fallbackText`, which Teams does not render). */
export function plainText(value: string, max = 200): string {
  const text = value.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
