import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Party } from '@callrelay/core';

/** E.164: `+`, a non-zero digit, at most 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * The `tel:` URI to call a party back, only from a valid E.164 number (`tel:+12125551212`): no
 * other webhook value ever becomes part of a URL on the card.
 */
export function callBackUri(party: Party | undefined): string | undefined {
  if (!party || party.extension || !party.e164 || !E164.test(party.e164)) return undefined;
  return parsePhoneNumberFromString(party.e164)?.isValid() ? `tel:${party.e164}` : undefined;
}

/** A party's number for people: `+1 212 555 1212` for E.164 numbers, `ext. 102` for extensions, else as sent (unescaped). */
export function displayNumber(party: Party | undefined): string | undefined {
  if (!party) return undefined;
  if (party.e164 && E164.test(party.e164)) return parsePhoneNumberFromString(party.e164)?.formatInternational() ?? party.e164;
  if (party.extension) return `ext. ${party.extension}`;
  const raw = party.raw?.trim();
  return raw ? raw : undefined;
}
