import { defineSink, type CallEvent, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { hubspotConfig, type HubSpotSinkConfig } from './config.js';
import { HubSpotClient, type InlineAssociation } from './hubspot-client.js';
import { outcomeOfHubSpotError } from './hubspot-errors.js';
import { callProperties } from './call-properties.js';
import { contactSearch, newContactProperties, phoneForms } from './contact-matching.js';
import { CallLedger, type LoggedCall } from './call-ledger.js';
import { CallTextRenderer } from './templates.js';
import { customerOf } from './display.js';

export { hubspotConfig, type HubSpotSinkConfig } from './config.js';
export { callProperties, callStatusOf, callDirectionOf, type HubSpotCallStatus } from './call-properties.js';
export { contactSearch, phoneForms, newContactProperties, PHONE_PROPERTIES } from './contact-matching.js';
export { HubSpotClient, HubSpotApiError, HubSpotRequestError } from './hubspot-client.js';
export { outcomeOfHubSpotError } from './hubspot-errors.js';
export { CallTextRenderer, DEFAULT_TITLE, DEFAULT_BODY } from './templates.js';
export { describeCall, type CallDisplay } from './display.js';

/** HubSpot's association type from a call to a contact (category HUBSPOT_DEFINED). */
export const CALL_TO_CONTACT = 194;

/**
 * Logs each event as a call engagement in HubSpot, associated with the contact whose phone or
 * mobile phone is the customer's number (optionally creating that contact). An event is logged
 * once: redeliveries find what was already created.
 */
export class HubSpotSink implements Sink {
  private readonly client: HubSpotClient;
  private readonly renderer: CallTextRenderer;
  private readonly ledger: CallLedger;

  constructor(private readonly config: HubSpotSinkConfig, private readonly context: ConnectorContext) {
    this.client = new HubSpotClient(config.baseUrl, config.accessToken, context.http);
    this.renderer = new CallTextRenderer({ title: config.title, body: config.body, timeZone: config.timeZone });
    this.ledger = new CallLedger(context.state, context.logger);
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<DeliveryOutcome> {
    const { signal } = delivery;
    if (signal.aborted) return { status: 'retry', reason: 'the attempt was aborted before calling HubSpot' };
    const logged: LoggedCall = (await this.ledger.get(event.id)) ?? {};
    if (logged.callId) return { status: 'delivered', detail: `already logged as call ${logged.callId}` };
    const text = await this.renderer.render(event);
    const properties = callProperties(event, { title: text.title, body: text.body, recordingUrl: text.display.recordingUrl }, this.config.idempotencyProperty);
    try {
      const existing = await this.findLoggedCall(event, signal);
      if (existing) {
        await this.ledger.record(event.id, { ...logged, callId: existing, at: new Date(this.context.clock.now()).toISOString() });
        return { status: 'delivered', detail: `already logged as call ${existing} (found by ${this.config.idempotencyProperty})` };
      }
      const contactId = logged.createdContactId ?? await this.findContact(event, signal) ?? await this.createContact(event, logged, signal);
      const associations: InlineAssociation[] = contactId
        ? [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: CALL_TO_CONTACT }] }]
        : [];
      const call = await this.client.create('calls', properties, associations, signal, 'creating the HubSpot call');
      await this.ledger.record(event.id, { ...logged, callId: call.id, ...(contactId ? { contactId } : {}), at: new Date(this.context.clock.now()).toISOString() });
      return { status: 'delivered', detail: `call ${call.id}${contactId ? ` associated with contact ${contactId}` : ', no contact with this number'}` };
    } catch (err) {
      return outcomeOfHubSpotError(err, signal, this.context.clock.now());
    }
  }

  /** With `idempotencyProperty`: the call already created for this event (HubSpot's search index lags a few seconds). */
  private async findLoggedCall(event: CallEvent, signal: AbortSignal): Promise<string | undefined> {
    const property = this.config.idempotencyProperty;
    if (!property) return undefined;
    const [found] = await this.client.search('calls', {
      filterGroups: [{ filters: [{ propertyName: property, operator: 'EQ', value: event.id }] }],
      properties: [property],
      limit: 1,
    }, signal, 'searching HubSpot calls for this event');
    return found?.id;
  }

  /** The oldest contact whose phone or mobile phone is the customer's number, E.164 or as sent. */
  private async findContact(event: CallEvent, signal: AbortSignal): Promise<string | undefined> {
    const forms = phoneForms(customerOf(event));
    if (forms.length === 0) return undefined;
    const [contact] = await this.client.search('contacts', contactSearch(forms), signal, 'searching HubSpot contacts by phone');
    return contact?.id;
  }

  /** With `createContact`: a new contact for the customer's number, remembered before the call is created. */
  private async createContact(event: CallEvent, logged: LoggedCall, signal: AbortSignal): Promise<string | undefined> {
    const customer = customerOf(event);
    if (!this.config.createContact || !customer || phoneForms(customer).length === 0) return undefined;
    const contact = await this.client.create('contacts', newContactProperties(customer), [], signal, 'creating the HubSpot contact');
    await this.ledger.record(event.id, { ...logged, createdContactId: contact.id });
    return contact.id;
  }

  async close(): Promise<void> {
    // Nothing held open: every step is its own request.
  }
}

/** The `hubspot` sink: calls logged in HubSpot CRM, associated with the caller's contact. */
const hubspot = defineSink({
  type: 'hubspot',
  description: 'Logs calls in HubSpot as call engagements (direction, status, numbers, duration, recording, notes), associated with the contact that has the number; optionally creates the contact.',
  config: hubspotConfig,
  example: { type: 'hubspot', accessToken: '${HUBSPOT_ACCESS_TOKEN}', createContact: true, timeZone: 'America/Chicago' },
  create: (config, context) => new HubSpotSink(config, context),
});
export default hubspot;
