import type { Party } from '@callrelay/core';
import type { HubSpotObject, SearchRequest } from './hubspot-client.js';
import { anyOf, type Lookup } from './search-lookup.js';

/** Contact properties that hold phone numbers, searched for the customer's number. */
export const PHONE_PROPERTIES = ['phone', 'mobilephone'] as const;

/**
 * The forms of a number worth searching for: E.164 (`+12125551212`, what integrations usually
 * store) and the value as the platform sent it (`(212) 555-1212`, what a person may have typed).
 * Extensions and empty values are not customers' numbers.
 */
export function phoneForms(party: Party | undefined): string[] {
  if (!party || party.extension) return [];
  const forms = [party.e164, party.raw.trim()].filter((v): v is string => v !== undefined && v !== '' && /\d{3}/.test(v));
  return [...new Set(forms)];
}

/**
 * One search for every form in every phone property (filter groups are ORed). For one number (at
 * most 2 forms x 2 properties = 4 `EQ` groups, under HubSpot's limit of 5); for the numbers of a
 * batch, one `IN` filter per property. Oldest contact first, so that the same contact wins every
 * time when several share a number.
 */
export function contactSearch(forms: string[], limit = 1): SearchRequest {
  return {
    filterGroups: anyOf(PHONE_PROPERTIES, forms),
    properties: ['firstname', 'lastname', ...PHONE_PROPERTIES],
    sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
    limit,
  };
}

const digitsOf = (value: string): string => value.replace(/\D/g, '');

/**
 * Whether two ways of writing a phone number are the same number: the same digits, or one is the
 * other without its country code (1 to 3 more digits in front). HubSpot's own phone search "only
 * uses the area code and local number" (Search the CRM, Limits), so a contact stored without the
 * country code can be what it found for `+12125551212`. Short values (extensions, codes) must be
 * equal as written.
 */
export function sameNumber(a: string, b: string): boolean {
  const x = digitsOf(a);
  const y = digitsOf(b);
  if (x.length < 7 || y.length < 7) return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (x === y) return true;
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  return long.length - short.length <= 3 && long.endsWith(short);
}

/** Finds the oldest contact of each party's number (see {@link firstMatches}). */
export const contactLookup: Lookup<Party> = {
  values: (party) => phoneForms(party),
  request: (values, limit) => contactSearch(values, limit),
  matches: (contact: HubSpotObject, party) => {
    const stored = PHONE_PROPERTIES.map((name) => contact.properties[name]).filter((v): v is string => typeof v === 'string' && v !== '');
    return stored.some((value) => phoneForms(party).some((form) => sameNumber(value, form)));
  },
};

/** One key per number, whatever form the platform sent it in: a batch creates one contact per number. */
export function numberKey(party: Party): string {
  return party.e164 ?? digitsOf(party.raw);
}

/**
 * The properties of a contact created for an unknown number: the number (E.164 where known) and
 * the caller ID name split at its first space into first and last name, when it has letters.
 */
export function newContactProperties(party: Party): Record<string, string> {
  const properties: Record<string, string> = { phone: party.e164 ?? party.raw.trim() };
  const name = party.name?.trim();
  if (name && /\p{L}/u.test(name)) {
    const [first, ...rest] = name.split(/\s+/);
    properties.firstname = first!;
    if (rest.length) properties.lastname = rest.join(' ');
  }
  return properties;
}
