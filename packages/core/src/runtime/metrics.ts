import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics of one runtime. Names are documented in `docs/operations.md`. */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly webhooksReceived: Counter<'source'>;
  readonly webhooksAccepted: Counter<'source'>;
  readonly webhooksRejected: Counter<'source' | 'reason'>;
  readonly eventsStored: Counter<'source'>;
  readonly eventsDuplicate: Counter<'source'>;
  readonly deliveries: Counter<'sink' | 'outcome'>;
  readonly deliveryLatency: Histogram<'sink'>;
  readonly queueDepth: Gauge<'queue'>;
  readonly routingLag: Gauge;
  readonly callOutcomes: Counter<'outcome'>;

  constructor(registry: Registry = new Registry(), options: { defaultMetrics?: boolean } = {}) {
    this.registry = registry;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'callrelay_' });
    const registers = [registry];
    this.webhooksReceived = new Counter({ name: 'callrelay_webhooks_received_total', help: 'Webhook requests received', labelNames: ['source'], registers });
    this.webhooksAccepted = new Counter({ name: 'callrelay_webhooks_accepted_total', help: 'Webhook requests stored and acknowledged', labelNames: ['source'], registers });
    this.webhooksRejected = new Counter({ name: 'callrelay_webhooks_rejected_total', help: 'Webhook requests refused (unauthorized, bad_request, parse_error, too_large, method, rate_limited, busy, backlog, store_unavailable)', labelNames: ['source', 'reason'], registers });
    this.eventsStored = new Counter({ name: 'callrelay_events_stored_total', help: 'Canonical events stored in the event log', labelNames: ['source'], registers });
    this.eventsDuplicate = new Counter({ name: 'callrelay_events_duplicate_total', help: 'Events recognised as a platform retry and not stored again', labelNames: ['source'], registers });
    this.deliveries = new Counter({ name: 'callrelay_deliveries_total', help: 'Delivery attempts by outcome (delivered, retry, dead_letter)', labelNames: ['sink', 'outcome'], registers });
    this.deliveryLatency = new Histogram({
      name: 'callrelay_delivery_latency_seconds', help: 'From webhook receipt to successful delivery', labelNames: ['sink'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    });
    this.routingLag = new Gauge({ name: 'callrelay_routing_lag_seconds', help: 'Age of the oldest event waiting to be routed (how far the pipeline is behind ingest)', registers });
    this.queueDepth = new Gauge({ name: 'callrelay_queue_depth', help: 'Unacknowledged items per queue (routing, sink:<id>, timers)', labelNames: ['queue'], registers });
    this.callOutcomes = new Counter({ name: 'callrelay_call_outcomes_total', help: 'Call-level outcomes derived by the call tracker', labelNames: ['outcome'], registers });
  }
}
