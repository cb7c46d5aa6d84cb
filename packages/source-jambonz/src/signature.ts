import { createHmac } from 'node:crypto';
import { safeEqual, type VerifyResult } from '@callrelay/core';

/**
 * Checks a `Jambonz-Signature: t=<unix seconds>,v1=<hex>` header: HMAC-SHA256 keyed by the account's
 * webhook secret over `<t>.<raw body>`. Several `v1` values may be present, and several secrets may
 * be configured (rotation): any match passes. Timestamps outside the tolerance are refused so that
 * a captured request cannot be replayed later.
 */
export function verifyJambonzSignature(
  headerValue: string | undefined,
  rawBody: Buffer,
  options: { secrets: readonly string[]; toleranceSeconds: number; nowMs: number },
): VerifyResult {
  if (!headerValue) return { ok: false, reason: 'missing Jambonz-Signature header (a webhook secret is configured)' };
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of headerValue.split(',')) {
    const [key, ...rest] = part.trim().split('=');
    const value = rest.join('=');
    if (key === 't') timestamp = value;
    else if (key === 'v1' && value) signatures.push(value.toLowerCase());
  }
  if (!timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'Jambonz-Signature has no valid t= timestamp' };
  if (!signatures.length) return { ok: false, reason: 'Jambonz-Signature has no v1= signature' };
  const ageSeconds = Math.abs(options.nowMs / 1000 - Number(timestamp));
  if (ageSeconds > options.toleranceSeconds) {
    return { ok: false, reason: `Jambonz-Signature timestamp is ${Math.round(ageSeconds)} s away from now (tolerance ${options.toleranceSeconds} s)` };
  }
  let ok = false;
  for (const secret of options.secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
    // Compare against every candidate so timing does not reveal which one matched.
    for (const signature of signatures) ok = safeEqual(signature, expected) || ok;
  }
  return ok ? { ok: true } : { ok: false, reason: 'Jambonz-Signature does not match any configured webhook secret' };
}

/** Builds a valid header value (for tests, and for `callrelay replay` against a signed source). */
export function signJambonzPayload(rawBody: string | Buffer, secret: string, unixSeconds: number = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
  return `t=${unixSeconds},v1=${signature}`;
}
