import { createHash, createHmac } from 'node:crypto';
import { header, looksLikeForm, safeEqual, withSharedToken, type IncomingWebhook, type OutgoingWebhook, type VerifyResult } from '@callrelay/core';
import type { SignalWireConfig } from './config.js';
import { urlVariants, withPublicUrl } from './signed-url.js';

/** The headers a SignalWire (or Twilio-compatible) request may carry its signature in. */
export const SIGNATURE_HEADERS = ['x-signalwire-signature', 'x-twilio-signature'] as const;
export const SHA256_SIGNATURE_HEADER = 'x-signalwire-sha256-signature';

/** Form parameters as ordered pairs (repeated keys kept), when the body is a form. */
function formPairs(request: IncomingWebhook): [string, string][] | undefined {
  const text = request.rawBody.toString('utf8');
  if (text.trim() === '') return [];
  const isForm = request.contentType === 'application/x-www-form-urlencoded' || (request.contentType !== 'application/json' && looksLikeForm(text));
  return isForm ? [...new URLSearchParams(text)] : undefined;
}

/**
 * The Twilio-compatible string to sign: the URL, then every POST parameter's name and value with no
 * separator, sorted by name (code-unit order, as Twilio's and SignalWire's SDKs sort; a stable sort
 * keeps repeated names in the order sent).
 */
export function twilioSigningString(url: string, pairs: readonly (readonly [string, string])[]): string {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sorted.reduce((acc, [name, value]) => acc + name + value, url);
}

/** `bodySHA256` in the query string must equal the SHA-256 of the raw body (Twilio's JSON scheme). */
function bodyHashMatches(url: string, rawBody: Buffer): boolean {
  const q = url.indexOf('?');
  const expected = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('bodySHA256');
  if (expected === null) return false;
  return safeEqual(expected.toLowerCase(), createHash('sha256').update(rawBody).digest('hex'));
}

/**
 * Every signature a genuine request could carry for one key and one URL form:
 * - base64 HMAC-SHA1 over URL + sorted form parameters (the compatibility API's scheme; for a GET or
 *   an empty body, the URL alone, query string included);
 * - for a JSON body, that same scheme over the URL alone only when the URL carries a matching
 *   `bodySHA256` (otherwise the body would not be covered and any body could be replayed under a
 *   captured signature);
 * - lower-case hex HMAC-SHA1 over URL + raw body (SignalWire's scheme for JSON/RELAY callbacks).
 */
function expectedSha1Signatures(key: string, url: string, request: IncomingWebhook): string[] {
  const out: string[] = [];
  const pairs = formPairs(request);
  if (pairs) out.push(createHmac('sha1', key).update(twilioSigningString(url, pairs)).digest('base64'));
  else if (bodyHashMatches(url, request.rawBody)) out.push(createHmac('sha1', key).update(url).digest('base64'));
  out.push(createHmac('sha1', key).update(url).update(request.rawBody).digest('hex'));
  return out;
}

/** Hex HMAC-SHA256 over URL + raw body (`X-SignalWire-Sha256-Signature`). */
function expectedSha256Signature(key: string, url: string, rawBody: Buffer): string {
  return createHmac('sha256', key).update(url).update(rawBody).digest('hex');
}

/**
 * Verifies a SignalWire request signature against any of the configured signing keys (rotation).
 * Passes when one presented signature header (`X-SignalWire-Signature`, `X-Twilio-Signature`,
 * `X-SignalWire-Sha256-Signature`) matches what one key computes over one of `urls` (the readings
 * of the URL SignalWire called: {@link signedUrls}). Every comparison runs (no early exit) so
 * timing does not tell which key, URL or scheme matched.
 */
export function verifySignalWireSignature(request: IncomingWebhook, options: { keys: readonly string[]; urls: readonly string[] }): VerifyResult {
  const sha1 = SIGNATURE_HEADERS.map((name) => header(request, name)).filter((v): v is string => !!v && v.trim() !== '').map((v) => v.trim());
  const sha256 = header(request, SHA256_SIGNATURE_HEADER)?.trim().toLowerCase();
  if (!sha1.length && !sha256) {
    return { ok: false, reason: 'missing X-SignalWire-Signature header (a signing key is configured)' };
  }
  let ok = false;
  for (const key of options.keys) {
    for (const url of options.urls.flatMap(urlVariants)) {
      for (const expected of expectedSha1Signatures(key, url, request)) {
        for (const presented of sha1) ok = safeEqual(presented, expected) || ok;
      }
      if (sha256) ok = safeEqual(sha256, expectedSha256Signature(key, url, request.rawBody)) || ok;
    }
  }
  return ok ? { ok: true } : { ok: false, reason: `signature does not match any configured signing key for ${stripQuery(options.urls[0] ?? '')} (behind a proxy, set publicUrl)` };
}

/** The URL without its query string: queries may carry tokens, which stay out of logs. */
function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

/**
 * Builds the `X-SignalWire-Signature` SignalWire sends for a form body or a GET (for `callrelay
 * replay` against a signed source, and for tests of other packages).
 */
export function signSignalWireRequest(signingKey: string, url: string, formBody: string = ''): string {
  return createHmac('sha1', signingKey).update(twilioSigningString(url, [...new URLSearchParams(formBody)])).digest('base64');
}

/**
 * The request as SignalWire would send it to a source with this config: the shared token in the URL
 * (when one is configured), then `X-SignalWire-Signature` over the final URL (or `publicUrl` with its
 * query string): base64 over URL + sorted parameters for a form body or none, lower-case hex over
 * URL + raw body for anything else (JSON callbacks). With several keys (a reset), the first signs.
 */
export function signSignalWireWebhook(request: OutgoingWebhook, config: SignalWireConfig): OutgoingWebhook {
  const auth = config.auth;
  if (auth === 'none') return request;
  const signed = auth.token ? withSharedToken(request, auth.token) : request;
  const key = auth.signingKey === undefined ? undefined : [auth.signingKey].flat()[0];
  if (key === undefined) return signed;
  const url = config.publicUrl ? withPublicUrl(signed.url, config.publicUrl) : signed.url;
  const body = signed.body ?? '';
  const isForm = body.trim() === '' || (signed.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const signature = isForm ? signSignalWireRequest(key, url, body) : createHmac('sha1', key).update(url).update(body).digest('hex');
  return { ...signed, headers: { ...signed.headers, 'x-signalwire-signature': signature } };
}
