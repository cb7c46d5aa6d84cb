import { defineSink } from '@callrelay/core';
import { hubspotConfig } from './config.js';
import { HubSpotSink } from './hubspot-sink.js';

export { hubspotConfig, type HubSpotSinkConfig } from './config.js';
export { HubSpotSink, CALL_TO_CONTACT } from './hubspot-sink.js';
export { callProperties, callStatusOf, callDirectionOf, type HubSpotCallStatus } from './call-properties.js';
export { contactSearch, contactLookup, phoneForms, sameNumber, numberKey, newContactProperties, PHONE_PROPERTIES } from './contact-matching.js';
export { HubSpotClient, HubSpotApiError, HubSpotInputError, HubSpotRequestError } from './hubspot-client.js';
export { outcomeOfHubSpotError } from './hubspot-errors.js';
export { anyOf, firstMatches, type Lookup } from './search-lookup.js';
export { createObjects, MAX_BATCH_INPUTS, type ObjectToCreate, type Creation } from './object-creation.js';
export { CallTextRenderer, DEFAULT_TITLE, DEFAULT_BODY } from './templates.js';
export { describeCall, type CallDisplay } from './display.js';
export { hubspotContact, hubspotContactConfig, HubSpotContactEnricher, type HubSpotContactConfig } from './contact-enrichment.js';
import { hubspotContact } from './contact-enrichment.js';

/** The `hubspot` sink: calls logged in HubSpot CRM, associated with the caller's contact. */
const hubspot = defineSink({
  type: 'hubspot',
  description: 'Logs calls in HubSpot as call engagements (direction, status, numbers, duration, recording, notes), associated with the contact that has the number; optionally creates the contact. Batches use HubSpot\'s batch create and one contact search for many numbers.',
  config: hubspotConfig,
  example: { type: 'hubspot', accessToken: '${HUBSPOT_ACCESS_TOKEN}', createContact: true, timeZone: 'America/Chicago' },
  create: (config, context) => new HubSpotSink(config, context),
});
export default hubspot;

/**
 * Every connector of this package: the sink (the default export, what a config naming the package
 * gets) and the `hubspot-contact` transform, which shares the sink's HubSpot client and contact
 * search. The CLI's bundle registers them all.
 */
export const definitions = [hubspot, hubspotContact];
