import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { Router } from '../pipeline/router.js';
import type { Delivery, EnqueueItem, Lease, Store } from '../store/store.js';
import { CALLS_NAMESPACE, type CallTracker } from '../tracker/call-tracker.js';
import type { CallerHistory } from '../tracker/caller-history.js';

const MAX_CONFLICT_RETRIES = 20;

/** What routing one batch needs. */
export interface RouteBatchDeps {
  store: Store;
  router: Router;
  /** Absent when `tracker.enabled` is false. */
  tracker?: CallTracker;
  /** Repeat callers and callbacks, from the outcome events routed; absent when the tracker is off. */
  callers?: CallerHistory;
  logger: Logger;
  /** Counts the outcomes a batch emitted. */
  onOutcomes?: (derived: CallEvent[]) => void;
  afterWrite?: (point: string) => void;
}

/**
 * Routes a batch of events from the log: the call tracker folds them into their calls (each call's
 * state read once), the pipelines decide each event's deliveries, and everything is written in
 * one step with the routing acknowledgement. On a store with `commitRouting` (SQLite) that step
 * is one transaction: a crash leaves either all of it or none (the batch is handed out again).
 * Elsewhere (NATS) the writes follow an order that a redelivery completes: call states (with their
 * outbox), deliveries (idempotent ids), then the acknowledgements.
 */
export async function routeBatch(leases: readonly Lease<CallEvent>[], deps: RouteBatchDeps): Promise<void> {
  const { store, router, tracker } = deps;
  const events: CallEvent[] = [];
  for (const lease of leases) {
    // A routing item whose event left the log (retention) before it was routed: nothing to route.
    if (lease.payload) events.push(lease.payload);
    else deps.logger.warn({ item: lease.id }, 'routing item without its event; dropped');
  }
  // Before the pipelines: outcomes get `caller.callsToday`; `called_back` events enter the log
  // (idempotently: deterministic ids) and are routed in a later batch, like the tracker's outcomes.
  if (deps.callers) deps.onOutcomes?.(await deps.callers.observe(events));
  const deliveries = await deliveriesOf(events, router);

  if (store.commitRouting) {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const plans = tracker ? await tracker.plan(events) : [];
      const ok = await store.commitRouting({ namespace: CALLS_NAMESPACE, calls: plans.map((p) => p.write), deliveries, acks: leases });
      if (!ok) continue; // a call changed meanwhile (the timer worker, another node): fold again
      deps.afterWrite?.('routing:commit');
      deps.onOutcomes?.(plans.flatMap((p) => p.write.events as CallEvent[]));
      return;
    }
    throw new Error(`routing a batch of ${leases.length}: too many concurrent updates of its calls`);
  }

  if (tracker) {
    // Calls are independent keys: their writes go out together (pipelined on the connection).
    const plans = await tracker.plan(events);
    for (const derived of await Promise.all(plans.map((plan) => tracker.commit(plan)))) deps.onOutcomes?.(derived);
  }
  await Promise.all(deliveries.map(({ sinkId, items }) => store.deliveries(sinkId).enqueue(items)));
  deps.afterWrite?.('routing:deliveries');
  if (store.routing.ackMany) await store.routing.ackMany(leases);
  else await Promise.all(leases.map((lease) => store.routing.ack(lease)));
  deps.afterWrite?.('routing:ack');
}

/**
 * Every pipeline's deliveries for the batch, grouped by sink. Events are routed side by side: a
 * transform that waits on a service (an enrichment lookup, bounded by its timeout) then delays the
 * batch by one timeout, not one per event. Deliveries keep the order of the batch's events.
 */
async function deliveriesOf(events: readonly CallEvent[], router: Router): Promise<{ sinkId: string; items: EnqueueItem<Delivery>[] }[]> {
  const bySink = new Map<string, EnqueueItem<Delivery>[]>();
  for (const routed of await Promise.all(events.map((event) => router.route(event)))) {
    for (const [sinkId, items] of routed) {
      const all = bySink.get(sinkId);
      if (all) all.push(...items);
      else bySink.set(sinkId, [...items]);
    }
  }
  return [...bySink].map(([sinkId, items]) => ({ sinkId, items }));
}
