import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Party } from './call-event.js';

/** Numbers this short are PBX extensions, queues or IVR ids, not phone numbers. */
const MAX_EXTENSION_DIGITS = 6;

/**
 * Completes a party with its E.164 form where one can be derived (per-source default country),
 * and marks extensions as such. Never throws: a value that is not a number stays `raw` only.
 */
export function normalizeParty(party: Party | undefined, defaultCountry?: string): Party | undefined {
  if (!party) return undefined;
  const raw = String(party.raw ?? '').trim();
  const out: Party = { ...party, raw };
  if (out.e164 || out.extension || raw === '') return out;
  const digits = raw.replace(/[\s().-]/g, '');
  if (/^\d+$/.test(digits) && digits.length <= MAX_EXTENSION_DIGITS) {
    out.extension = digits;
    return out;
  }
  const e164 = toE164(raw, defaultCountry);
  if (e164) out.e164 = e164;
  return out;
}

/**
 * Parsing a number costs 15-30 µs and callers repeat (the same customers, the same DIDs), so the
 * results of the last few thousand numbers are kept. A Map keeps insertion order: the oldest entry
 * is dropped first.
 */
const CACHE_SIZE = 5000;
const cache = new Map<string, string | null>();

/** E.164 form of a phone number, or undefined when it cannot be derived with confidence. */
export function toE164(raw: string, defaultCountry?: string): string | undefined {
  const key = `${defaultCountry ?? ''}|${raw}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const result = deriveE164(raw, defaultCountry);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, result ?? null);
  return result;
}

function deriveE164(raw: string, defaultCountry?: string): string | undefined {
  let value = raw.trim();
  if (value.startsWith('sip:')) value = value.slice(4).split('@')[0] ?? '';
  if (value.startsWith('00')) value = '+' + value.slice(2);
  let possible: string | undefined;
  try {
    if (value.startsWith('+')) {
      const parsed = parsePhoneNumberFromString(value);
      return parsed && parsed.isPossible() ? parsed.number : undefined;
    }
    const national = parsePhoneNumberFromString(value, defaultCountry as CountryCode | undefined);
    if (national?.isValid()) return national.number;
    if (national?.isPossible()) possible = national.number;
  } catch {
    // libphonenumber throws on some garbage; an unparseable number simply has no E.164 form
  }
  // An international number sent without '+' (3CX: 420774852629) is not a valid national number of
  // the default country, but is valid with a '+' in front: prefer that reading.
  if (/^\d{8,15}$/.test(value)) {
    try {
      const parsed = parsePhoneNumberFromString('+' + value);
      if (parsed && parsed.isValid()) return parsed.number;
    } catch {
      // not a number either way
    }
  }
  // Possible but not valid in the default country (new ranges, test numbers): keep the national reading.
  return possible;
}
