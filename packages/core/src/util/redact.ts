/**
 * Redaction of credentials in text that leaves the process: log lines, error messages,
 * `callrelay dlq list`. Two kinds: credentials inside URLs (userinfo, and query or fragment parameters whose
 * names say they are credentials), found in any text; and the secret values of the config file
 * (every field a connector schema marks `secret()`), found wherever they appear.
 */

export const REDACTED = '[redacted]';

/**
 * Parameter names that carry credentials, in the comparable form of {@link credentialNameForm}
 * (lower case, without `-`, `_` and `.`): `api_key`, `apiKey`, `X-Api-Key` are all `apikey`.
 */
const CREDENTIAL_NAMES = new Set([
  'key', 'apikey', 'token', 'secret', 'signature', 'sig', 'password', 'pass', 'passwd', 'pwd', 'auth',
  'authorization', 'credential', 'credentials', 'jwt', 'session', 'sessionid', 'sid', 'code', 'hash', 'hmac',
]);
/** Endings that make a name a credential: `access_token`, `client_secret`, `x-amz-signature`, `subscription-key`. */
const CREDENTIAL_ENDINGS = ['key', 'token', 'secret', 'password', 'passwd', 'signature', 'credential', 'credentials', 'sig'];

function credentialNameForm(name: string): string {
  return name.replace(/[-_.]/g, '').toLowerCase();
}

/** True when a query parameter (or header) name looks like it carries a credential. */
export function isCredentialName(name: string): boolean {
  let decoded = name;
  try { decoded = decodeURIComponent(name); } catch { /* a malformed escape is compared as written */ }
  const form = credentialNameForm(decoded);
  if (form === '') return false;
  return CREDENTIAL_NAMES.has(form) || form.includes('auth') || CREDENTIAL_ENDINGS.some((ending) => form.endsWith(ending));
}

/** `a=1&token=x` with the values of credential parameters replaced. */
function redactParams(params: string): string {
  return params.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    return isCredentialName(pair.slice(0, eq)) ? `${pair.slice(0, eq + 1)}${REDACTED}` : pair;
  }).join('&');
}

/**
 * One URL with its credentials replaced by `[redacted]`: the userinfo (`https://[redacted]@host/`,
 * user names too, since an API key is often sent as the user name) and the values of query and
 * fragment parameters whose names look like credentials (`key`, `apikey`, `api_key`, `token`,
 * `access_token`, `secret`, `signature`, `sig`, `password`, `pass`, `auth`..., and any name ending in
 * `key`, `token`, `secret`, `password` or `signature`, or containing `auth`). Works on the text, so
 * everything else stays exactly as written (no normalisation, no percent-encoding changes), and
 * text that is not a URL is returned unchanged.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let after = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const host = at < 0 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  const hash = after.indexOf('#');
  let fragment = '';
  if (hash >= 0) {
    fragment = after.slice(hash);
    after = after.slice(0, hash);
    // OAuth's implicit flow puts tokens in the fragment (`#access_token=...`).
    if (fragment.includes('=')) fragment = `#${redactParams(fragment.slice(1))}`;
  }
  const question = after.indexOf('?');
  if (question >= 0) after = `${after.slice(0, question + 1)}${redactParams(after.slice(question + 1))}`;
  return `${scheme[0]}${host}${after}${fragment}`;
}

/**
 * Every URL (`scheme://...` up to a space, a quote, `<`, `>` or `\`) in a text, redacted by
 * {@link redactUrl}: error messages and log lines keep their words and lose their credentials.
 * The backslash ends a URL so that a URL inside a JSON string stops at an escaped quote.
 */
export function redactUrls(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>\\`]+/gi, (match) => {
    // Punctuation that ends a sentence or a bracket is not part of the URL (`see https://h/?k=v.`).
    const [, url = match, tail = ''] = /^(.*?)([.,;:!?)\]}]*)$/s.exec(match) ?? [];
    return `${redactUrl(url)}${tail}`;
  });
}

/**
 * Secret values shorter than this are only replaced where they are a whole JSON string value
 * (`"password":"p"`), not inside other text: a short value such as `p` or `1234` occurs in
 * ordinary words and numbers, and replacing it there would garble every log line.
 */
export const MIN_SECRET_SUBSTRING_LENGTH = 6;

/** Redacts URL credentials and a set of secret values (see {@link createRedactor}). */
export interface Redactor {
  /** A plain text (an error message, a line of `dlq list`). */
  text(value: string): string;
  /** One serialized JSON document (a log line, `dlq list --json`): also whole string values equal to a short secret. */
  json(value: string): string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A redactor for the secret values of a config (and URL credentials). Each secret is looked for as
 * written, as it appears inside a JSON string (quotes and backslashes escaped) and percent-encoded
 * (in a URL); the longest first, so a secret that contains another is replaced whole.
 */
export function createRedactor(secretValues: readonly string[] = []): Redactor {
  const forms = new Set<string>();
  const shortValues = new Set<string>();
  for (const secret of secretValues) {
    if (typeof secret !== 'string' || secret === '') continue;
    if (secret.length < MIN_SECRET_SUBSTRING_LENGTH) {
      shortValues.add(JSON.stringify(secret));
      continue;
    }
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  const anywhere = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  // A JSON string value that is exactly a short secret: it starts a value (after `:`, `[` or `,`)
  // and is not a key (no `:` after it).
  const wholeValue = shortValues.size
    ? new RegExp(`(?<=[:[,]\\s*)(?:${[...shortValues].map(escapeRegExp).join('|')})(?!\\s*:)`, 'g')
    : undefined;
  const text = (value: string) => {
    const urls = redactUrls(value);
    return anywhere ? urls.replace(anywhere, REDACTED) : urls;
  };
  return {
    text,
    json: (value) => {
      const redacted = text(value);
      return wholeValue ? redacted.replace(wholeValue, `"${REDACTED}"`) : redacted;
    },
  };
}
