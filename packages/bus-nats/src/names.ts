/**
 * Where everything of one store lives on the NATS server. All names derive from the configured
 * `prefix`, so several callrelay deployments (or test runs) share one server without meeting.
 */

const PLAIN = /^[A-Za-z0-9_-]+$/;

/**
 * Makes any string usable as one subject token, one KV key token and part of a consumer name.
 * Ids made of letters, digits, `-` and `_` stay readable; anything else (dots, colons, spaces,
 * wildcards, non-ASCII, the empty string) becomes `=` + base64url. Plain tokens never contain `=`,
 * so the mapping is one-to-one.
 */
export function token(value: string): string {
  return PLAIN.test(value) ? value : `=${Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** The inverse of {@link token}. */
export function untoken(value: string): string {
  return value.startsWith('=') ? Buffer.from(value.slice(1), 'base64url').toString('utf8') : value;
}

/** A queue of the store: the routing queue, the timers, or one sink's deliveries. */
export interface QueueAddress {
  /** The stream holding the queue's messages. */
  stream: string;
  /** The durable pull consumer every node shares. */
  consumer: string;
  /** The consumer's filter, and the subject items are published to. */
  subject: string;
  /** Unique within the store: scopes dedupe ids and attempt records. */
  key: string;
}

/** The streams, subjects, consumers and buckets of the store with this prefix. */
export function natsLayout(prefix: string) {
  const eventsStream = `${prefix}_EVENTS`;
  const queuesStream = `${prefix}_QUEUES`;
  return {
    /** The event log (limits retention, `maxAgeMs`). One subject per event id. */
    eventsStream,
    eventsFilter: `${prefix}.events.>`,
    eventSubject: (id: string) => `${prefix}.events.${token(id)}`,
    /** The router's shared consumer on the event log. */
    routing: { stream: eventsStream, consumer: 'routing', subject: `${prefix}.events.>`, key: 'routing' } satisfies QueueAddress,
    /** Timers and every sink's deliveries (work-queue retention: an acknowledged item is removed). */
    queuesStream,
    queuesFilter: `${prefix}.queue.>`,
    timers: { stream: queuesStream, consumer: 'timers', subject: `${prefix}.queue.timers`, key: 'timers' } satisfies QueueAddress,
    sink: (sinkId: string): QueueAddress => ({
      stream: queuesStream,
      consumer: `sink_${token(sinkId)}`,
      subject: `${prefix}.queue.sink.${token(sinkId)}`,
      key: `sink_${token(sinkId)}`,
    }),
    /** Counted attempts of queue items that were retried (one subject per item, deleted on ack). */
    attemptsStream: `${prefix}_ATTEMPTS`,
    attemptsFilter: `${prefix}.attempts.>`,
    attemptsSubject: (queueKey: string, id: string) => `${prefix}.attempts.${queueKey}.${token(id)}`,
    /** Dead letters: one subject per letter, the sink in the subject so `dlq list --sink` filters on the server. */
    deadLettersStream: `${prefix}_DEADLETTERS`,
    deadLettersFilter: `${prefix}.deadletters.>`,
    deadLetterSubject: (sinkId: string, id: string) => `${prefix}.deadletters.${token(sinkId)}.${token(id)}`,
    deadLetterById: (id: string) => `${prefix}.deadletters.*.${token(id)}`,
    deadLettersOfSink: (sinkId: string) => `${prefix}.deadletters.${token(sinkId)}.*`,
    /** Call tracker and connector state: a JetStream KV bucket (stream `KV_<bucket>`). */
    stateBucket: `${prefix}_state`,
    stateKey: (namespace: string, key: string) => `${token(namespace)}.${token(key)}`,
  };
}

export type NatsLayout = ReturnType<typeof natsLayout>;

/** Every stream of the store, for tooling that removes a deployment (and for tests). */
export function streamsOf(prefix: string): string[] {
  const l = natsLayout(prefix);
  return [l.eventsStream, l.queuesStream, l.attemptsStream, l.deadLettersStream, `KV_${l.stateBucket}`];
}
