import type { Party } from '@callrelay/core';
import type { SearchRequest } from './hubspot-client.js';

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
 * One search for every form in every phone property (filter groups are ORed: at most 2 forms x 2
 * properties = 4 groups, under HubSpot's limit of 5), oldest contact first so that the same
 * contact wins every time when several share a number.
 */
export function contactSearch(forms: string[]): SearchRequest {
  return {
    filterGroups: PHONE_PROPERTIES.flatMap((propertyName) => forms.map((value) => ({ filters: [{ propertyName, operator: 'EQ', value }] }))),
    properties: ['firstname', 'lastname', ...PHONE_PROPERTIES],
    sorts: [{ propertyName: 'createdate', direction: 'ASCENDING' }],
    limit: 1,
  };
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
