import type { Party } from '@callrelay/core';
import { text } from './values.js';

/** Fewer significant digits than this and a suffix match proves nothing. */
const MIN_MATCH_DIGITS = 6;

/**
 * The platform's own E.164 form of a number (`recipient_e164`), used only when it is a real E.164
 * number AND agrees with the raw value: the raw number's significant digits (no `+`, `00` or trunk
 * `0`) must end its digits. The PBX knows its domain's country, which callrelay's `defaultCountry`
 * may not; but its documented `failed` example pairs recipient `+11111` with `+35799123456`, so a
 * value that disagrees is ignored and the core derives its own.
 */
export function platformE164(raw: string, e164: unknown): string | undefined {
  const candidate = text(e164);
  if (!candidate || !/^\+[1-9]\d{7,14}$/.test(candidate)) return undefined;
  const significant = raw.replace(/[^\d]/g, '').replace(/^0+/, '');
  if (significant.length < MIN_MATCH_DIGITS) return undefined;
  return candidate.slice(1).endsWith(significant) ? candidate : undefined;
}

/** A party from a raw value, its platform E.164 form and a name, when there is a raw value. */
export function party(raw: unknown, e164?: unknown, name?: unknown): Party | undefined {
  const value = text(raw);
  if (!value) return undefined;
  const known = platformE164(value, e164);
  const caller = text(name);
  return { raw: value, ...(known ? { e164: known } : {}), ...(caller ? { name: caller } : {}) };
}
