import {
  settleDelivery, type BatchDelivery, type BatchDeliveryContext, type CallEvent, type ConnectorContext, type DeliveryContext, type DeliveryOutcome, type Party, type Sink,
} from '@callrelay/core';
import type { HubSpotSinkConfig } from './config.js';
import { HubSpotClient, type InlineAssociation } from './hubspot-client.js';
import { outcomeOfHubSpotError } from './hubspot-errors.js';
import { callProperties } from './call-properties.js';
import { contactLookup, newContactProperties, numberKey, phoneForms } from './contact-matching.js';
import { CallLedger, type LoggedCall } from './call-ledger.js';
import { CallTextRenderer } from './templates.js';
import { customerOf } from './display.js';
import { anyOf, firstMatches, type Lookup } from './search-lookup.js';
import { createObjects, type ObjectToCreate } from './object-creation.js';

/** HubSpot's association type from a call to a contact (category HUBSPOT_DEFINED). */
export const CALL_TO_CONTACT = 194;

/** An event on its way to becoming a call. */
interface PendingCall {
  event: CallEvent;
  logged: LoggedCall;
  properties: Record<string, string>;
  customer: Party | undefined;
  contactId?: string;
}

/**
 * Logs each event as a call engagement in HubSpot, associated with the contact whose phone or
 * mobile phone is the customer's number (optionally creating that contact). An event is logged
 * once: redeliveries find what was already created.
 *
 * One event and a batch take the same steps; a batch takes each step for all its events at once:
 * one search for the calls already logged (with `idempotencyProperty`), one search for the
 * contacts of all the numbers, one `batch/create` for new contacts (one per number), one
 * `batch/create` for the calls (requests split where HubSpot's limits say). Measured: 100 events
 * from 100 numbers, 4 requests instead of 200.
 */
export class HubSpotSink implements Sink {
  private readonly client: HubSpotClient;
  private readonly renderer: CallTextRenderer;
  private readonly ledger: CallLedger;

  constructor(private readonly config: HubSpotSinkConfig, private readonly context: ConnectorContext) {
    this.client = new HubSpotClient(config.baseUrl, config.accessToken, context.http);
    this.renderer = new CallTextRenderer({ title: config.title, body: config.body, owner: config.owner, timeZone: config.timeZone });
    this.ledger = new CallLedger(context.state, context.logger);
  }

  async deliver(event: CallEvent, delivery: DeliveryContext): Promise<DeliveryOutcome> {
    return (await this.logEvents([event], delivery.signal)).get(event.id)!;
  }

  async deliverBatch(items: readonly BatchDelivery[], context: BatchDeliveryContext): Promise<DeliveryOutcome[]> {
    const outcomes = await this.logEvents(items.map((item) => item.event), context.signal);
    return items.map((item) => outcomes.get(item.event.id)!);
  }

  /**
   * Logs the events, each once (two deliveries of one event in a batch, from two pipelines, share
   * one call), and says what became of each, by event id.
   */
  private async logEvents(events: readonly CallEvent[], signal: AbortSignal): Promise<Map<string, DeliveryOutcome>> {
    const outcomes = new Map<string, DeliveryOutcome>();
    const unique = [...new Map(events.map((event) => [event.id, event])).values()];
    if (signal.aborted) {
      for (const event of unique) outcomes.set(event.id, { status: 'retry', reason: 'the attempt was aborted before calling HubSpot' });
      return outcomes;
    }
    let pending = await this.prepare(unique, outcomes);
    try {
      pending = await this.skipLoggedInHubSpot(pending, outcomes, signal);
      await this.findContacts(pending, signal);
    } catch (err) {
      const outcome = outcomeOfHubSpotError(err, signal, this.context.clock.now());
      for (const call of pending) if (!outcomes.has(call.event.id)) outcomes.set(call.event.id, outcome);
      return outcomes;
    }
    pending = await this.createContacts(pending, outcomes, signal);
    await this.createCalls(pending, outcomes, signal);
    return outcomes;
  }

  /** Events the ledger already knows are delivered; the others get their properties (a template that cannot render fails its event). */
  private async prepare(events: readonly CallEvent[], outcomes: Map<string, DeliveryOutcome>): Promise<PendingCall[]> {
    const pending: PendingCall[] = [];
    for (const event of events) {
      const logged: LoggedCall = (await this.ledger.get(event.id)) ?? {};
      if (logged.callId) {
        outcomes.set(event.id, { status: 'delivered', detail: `already logged as call ${logged.callId}` });
        continue;
      }
      try {
        const text = await this.renderer.render(event);
        if (text.owner === null) this.context.logger.warn({ event: event.id }, 'hubspot sink: the owner template did not render an owner id (digits); the call is logged unassigned');
        const properties = callProperties(event, {
          title: text.title, body: text.body, recordingUrl: text.display.recordingUrl, ...(text.owner ? { owner: text.owner } : {}),
        }, this.config.idempotencyProperty);
        pending.push({ event, logged, properties, customer: customerOf(event), ...(logged.createdContactId ? { contactId: logged.createdContactId } : {}) });
      } catch (err) {
        outcomes.set(event.id, await settleDelivery(() => Promise.reject(err)));
      }
    }
    return pending;
  }

  /** With `idempotencyProperty`: events whose call HubSpot already has are delivered (HubSpot's search index lags a few seconds). */
  private async skipLoggedInHubSpot(pending: PendingCall[], outcomes: Map<string, DeliveryOutcome>, signal: AbortSignal): Promise<PendingCall[]> {
    const property = this.config.idempotencyProperty;
    if (!property || pending.length === 0) return pending;
    const byEventId: Lookup<PendingCall> = {
      values: (call) => [call.event.id],
      request: (values, limit) => ({ filterGroups: anyOf([property], values), properties: [property], limit }),
      matches: (object, call) => object.properties[property]?.toLowerCase() === call.event.id.toLowerCase(),
    };
    const action = pending.length === 1 ? 'searching HubSpot calls for this event' : 'searching HubSpot calls for these events';
    const found = await firstMatches(this.client, 'calls', pending, byEventId, signal, action);
    for (const [call, existing] of found) {
      await this.ledger.record(call.event.id, { ...call.logged, callId: existing.id, at: this.now() });
      outcomes.set(call.event.id, { status: 'delivered', detail: `already logged as call ${existing.id} (found by ${property})` });
    }
    return pending.filter((call) => !found.has(call));
  }

  /** The oldest contact whose phone or mobile phone is each customer's number, E.164 or as sent: one search for many numbers. */
  private async findContacts(pending: PendingCall[], signal: AbortSignal): Promise<void> {
    const searching = pending.filter((call) => call.contactId === undefined && phoneForms(call.customer).length > 0);
    if (searching.length === 0) return;
    const parties = searching.map((call) => call.customer!);
    const found = await firstMatches(this.client, 'contacts', parties, contactLookup, signal, 'searching HubSpot contacts by phone');
    for (const [i, call] of searching.entries()) {
      const contact = found.get(parties[i]!);
      if (contact) call.contactId = contact.id;
    }
  }

  /**
   * With `createContact`: one new contact per unknown number, remembered for each of its events
   * before their calls are created (a retry reuses it). An event whose contact could not be
   * created is settled with that failure and logs no call.
   */
  private async createContacts(pending: PendingCall[], outcomes: Map<string, DeliveryOutcome>, signal: AbortSignal): Promise<PendingCall[]> {
    if (!this.config.createContact) return pending;
    const byNumber = new Map<string, PendingCall[]>();
    for (const call of pending) {
      if (call.contactId !== undefined || !call.customer || phoneForms(call.customer).length === 0) continue;
      const key = numberKey(call.customer);
      byNumber.set(key, [...(byNumber.get(key) ?? []), call]);
    }
    if (byNumber.size === 0) return pending;
    const objects: ObjectToCreate[] = [...byNumber.values()].map((calls, i) => ({ key: `contact-${i}`, properties: newContactProperties(calls[0]!.customer!), associations: [] }));
    const created = await createObjects(this.client, 'contacts', objects, { signal, noun: 'contact', matchBy: ['phone'], pairUnmatched: false });
    const failed = new Set<PendingCall>();
    for (const [i, calls] of [...byNumber.values()].entries()) {
      const creation = created.get(`contact-${i}`)!;
      for (const call of calls) {
        if ('error' in creation) {
          outcomes.set(call.event.id, outcomeOfHubSpotError(creation.error, signal, this.context.clock.now()));
          failed.add(call);
          continue;
        }
        call.contactId = creation.id;
        call.logged = { ...call.logged, createdContactId: creation.id };
        await this.ledger.record(call.event.id, call.logged);
      }
    }
    return pending.filter((call) => !failed.has(call));
  }

  /** Creates the calls, each with its contact association in the same input, and records each. */
  private async createCalls(pending: PendingCall[], outcomes: Map<string, DeliveryOutcome>, signal: AbortSignal): Promise<void> {
    if (pending.length === 0) return;
    const objects: ObjectToCreate[] = pending.map((call) => ({ key: call.event.id, properties: call.properties, associations: this.associations(call.contactId) }));
    const matchBy = [...(this.config.idempotencyProperty ? [this.config.idempotencyProperty] : []), 'hs_call_body', 'hs_call_title', 'hs_timestamp'];
    const created = await createObjects(this.client, 'calls', objects, { signal, noun: 'call', matchBy, pairUnmatched: true });
    for (const call of pending) {
      const creation = created.get(call.event.id)!;
      if ('error' in creation) {
        outcomes.set(call.event.id, outcomeOfHubSpotError(creation.error, signal, this.context.clock.now()));
        continue;
      }
      await this.ledger.record(call.event.id, { ...call.logged, callId: creation.id, ...(call.contactId ? { contactId: call.contactId } : {}), at: this.now() });
      outcomes.set(call.event.id, { status: 'delivered', detail: `call ${creation.id}${call.contactId ? ` associated with contact ${call.contactId}` : ', no contact with this number'}` });
    }
  }

  private associations(contactId: string | undefined): InlineAssociation[] {
    return contactId ? [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: CALL_TO_CONTACT }] }] : [];
  }

  private now(): string {
    return new Date(this.context.clock.now()).toISOString();
  }

  async close(): Promise<void> {
    // Nothing held open: every step is its own request.
  }
}
