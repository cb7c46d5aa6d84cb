import type { ConnectorContext, KeyValueStore } from '@callrelay/core';

/** What the sink created in HubSpot for one event, so far. */
export interface LoggedCall {
  /** The contact the sink created (not one it found: a search finds that again). */
  createdContactId?: string;
  callId?: string;
  contactId?: string;
  at?: string;
}

/**
 * Remembers, per event id, what the sink created in HubSpot, in the instance's shared state. A
 * redelivery of an event already logged is acknowledged without a second call, and a retry after
 * a failure between "contact created" and "call created" reuses that contact. Keyed by event id,
 * not delivery id: two pipelines routing one call to the same portal log it once.
 */
/**
 * How long what was created for an event is remembered: a replay of the same event within this
 * time creates nothing twice; after it, `idempotencyProperty` (a search) is what prevents a second
 * call object. Bounded so that the ledger does not grow for ever.
 */
export const LEDGER_MS = 30 * 86_400_000;

export class CallLedger {
  constructor(private readonly state: KeyValueStore, private readonly logger: ConnectorContext['logger']) {}

  private key(eventId: string): string {
    return `event/${eventId}`;
  }

  async get(eventId: string): Promise<LoggedCall | undefined> {
    return (await this.state.get<LoggedCall>(this.key(eventId)))?.value;
  }

  /** Records progress. A failure to record is logged, not thrown: HubSpot has the data, and a retry would create it again. */
  async record(eventId: string, logged: LoggedCall): Promise<void> {
    try {
      await this.state.put<LoggedCall>(this.key(eventId), logged, undefined, { ttlMs: LEDGER_MS });
    } catch (err) {
      this.logger.warn({ err, eventId }, 'hubspot sink: could not record what was created; a redelivery could create it again');
    }
  }
}
