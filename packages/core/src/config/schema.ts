import { z } from 'zod';
import { CALL_DIRECTIONS, CALL_EVENT_TYPES } from '../model/call-event.js';
import { proxyEntryProblem, TRUST_PROXY_TRUE_REFUSED } from '../http/client-address.js';
import { DEFAULT_BODY_SHAPE_LIMITS } from '../util/body-shape.js';
import { businessHoursSectionSchema, ianaTimeZone } from '../calendar/schema.js';
import { routesSectionSchema } from '../pipeline/route-table.js';

/** Marks a config field as a secret: redacted in logs, flagged in docs and `callrelay connectors`. */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true }) as T;
}

/** True when the schema (or the optional/default it wraps) is marked {@link secret}. */
export function isSecret(schema: z.ZodType): boolean {
  let current: z.ZodType | undefined = schema;
  for (let i = 0; current && i < 5; i++) {
    if ((current.meta() as { secret?: boolean } | undefined)?.secret) return true;
    const inner: unknown = (current as unknown as { unwrap?: () => z.ZodType }).unwrap?.();
    current = inner as z.ZodType | undefined;
  }
  return false;
}

export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids are kebab-case: lower-case letters, digits, - and _');

/** Keys the core reads on every source, next to the connector's own keys. */
export const sourceBaseShape = {
  type: z.string().meta({ description: 'Connector type (`jambonz`) or npm package name (`@acme/callrelay-source-x`).' }),
  route: z.string().regex(/^\//, 'a route starts with /').optional()
    .meta({ description: 'HTTP path of the webhook. Default: `/hooks/<source-id>`.', examples: ['/webhooks/call'] }),
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as US or GB').optional()
    .meta({ description: 'Country used to derive E.164 numbers from national numbers.', examples: ['US'] }),
  timeZone: ianaTimeZone.optional()
    .meta({ description: 'Time zone of this source\'s calls (IANA name): `when` reads `local.weekday`, `local.time` and `businessHours` in it. Default: UTC for `local.*`, the calendar\'s own zone for `businessHours`.', examples: ['Europe/Berlin'] }),
};

/**
 * The default retry schedule: 1 s doubling to 1 h, then hourly, 39 attempts in all: a receiver may
 * be down for about a day (21.7 to 27.1 h with the jitter) before a delivery is dead-lettered, as
 * webhook senders such as Svix (~28 h) have taught users to expect. `backoffSpan` computes it; a
 * test keeps it and the table in docs/configuration.md in step.
 */
export const DEFAULT_MAX_ATTEMPTS = 39;
export const DEFAULT_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_MAX_BACKOFF_MS = 3_600_000;

export const deliverySchema = z.object({
  concurrency: z.number().int().min(1).max(256).default(4).meta({ description: 'Deliveries in flight at once for this sink (per node).' }),
  maxAttempts: z.number().int().min(1).max(1000).default(DEFAULT_MAX_ATTEMPTS).meta({ description: 'Attempts before the event goes to the dead-letter list. Rate-limit waits do not count. With the default backoff, 39 attempts span about a day (21.7 to 27.1 h: see the table in docs/configuration.md).' }),
  initialBackoffMs: z.number().int().min(0).default(DEFAULT_INITIAL_BACKOFF_MS).meta({ description: 'Wait before the second attempt; doubles each attempt up to `maxBackoffMs`, each wait shortened by up to 20 % at random (jitter).' }),
  maxBackoffMs: z.number().int().min(0).default(DEFAULT_MAX_BACKOFF_MS).meta({ description: 'Upper bound of one backoff wait: once reached, the sink is retried at this interval until `maxAttempts`.' }),
  timeoutMs: z.number().int().min(1).default(15_000).meta({ description: 'One attempt is aborted and retried after this long.' }),
  batchSize: z.number().int().min(1).max(10_000).default(100).meta({ description: 'Most deliveries handed to a sink that takes batches (`deliverBatch`: CSV one write and one fsync per batch) in one attempt. Under light load batches are small (what is ready is sent at once). Sinks without batch support take one at a time.' }),
}).strict();
export type DeliveryOptions = z.output<typeof deliverySchema>;

/** Keys the core reads on every sink, next to the connector's own keys. */
export const sinkBaseShape = {
  type: z.string().meta({ description: 'Connector type (`csv`) or npm package name.' }),
  delivery: deliverySchema.prefault({}).meta({ description: 'Queue and retry settings of this sink.' }),
};

export interface WhenClause {
  all?: WhenClause[];
  any?: WhenClause[];
  not?: WhenClause;
  [field: string]: unknown;
}

/**
 * `when`: every key is a dotted event field path (`type`, `from.e164`, `agent.extension`) matched
 * against a value, a list (any of), or an operator mapping; `all`, `any` and `not` combine clauses.
 * The schema only asks for a mapping: keys, values and operators are checked against the canonical
 * event by `validateWhen` (when-validation.ts), which knows every field and reports every mistake.
 */
export const whenSchema: z.ZodType<WhenClause> = z.record(z.string(), z.unknown(), { error: 'when is a mapping of field: condition, such as { type: missed }' }).meta({
  description: 'Match on event fields. Keys are dotted paths; values are a value, a list (any of) or operators.',
  examples: [{ type: 'missed', direction: 'inbound' }, { any: [{ type: 'missed' }, { type: 'completed', talkSeconds: { lt: 10 } }] }],
});

export const pipelineSchema = z.object({
  from: z.array(idSchema).min(1).meta({ description: 'Source ids whose events enter this pipeline.' }),
  when: whenSchema.optional(),
  transforms: z.array(z.looseObject({ type: z.string() })).default([]).meta({ description: 'Steps applied in order, after `when`; each names a transform type (`map`, `template`, `filter`, `route`, a plugin\'s).' }),
  to: z.array(idSchema).min(1).meta({ description: 'Sink ids that receive the matching events.' }),
  digest: z.object({
    calendar: z.string().min(1).meta({ description: 'The name of an entry of the top-level `businessHours` section.' }),
  }).strict().optional().meta({
    description: 'While these business hours are closed, hold the pipeline\'s events (durably, in the store) and deliver them at the next opening as ONE event per sink listing them (`digest.events`; Slack posts one message with a line per call). Events while open are delivered at once. See docs/business-hours.md.',
    examples: [{ calendar: 'office' }],
  }),
  description: z.string().optional(),
}).strict();

export const serverSchema = z.object({
  host: z.string().default('127.0.0.1').meta({ description: 'Address to listen on. Use 0.0.0.0 to accept from other machines.' }),
  port: z.number().int().min(0).max(65535).default(8080).meta({ description: 'TCP port. 0 picks a free port.' }),
  bodyLimit: z.union([z.string(), z.number()]).default('1mb').meta({ description: 'Largest webhook body accepted; larger ones get 413.', examples: ['1mb', 65536] }),
  publicUrl: z.url().optional().meta({ description: 'The URL platforms call (behind a proxy), used to verify URL-based signatures.' }),
  trustProxy: z.union([
    z.literal(false),
    z.number().int().min(1, 'a hop count of 0 trusts no proxy: write false').max(32),
    z.array(z.string().refine((entry) => proxyEntryProblem(entry) === undefined, { error: (issue) => proxyEntryProblem(String(issue.input)) })).min(1, 'name at least one proxy, or write false'),
  ], {
    error: (issue) => (issue.input === true ? TRUST_PROXY_TRUE_REFUSED
      : 'trustProxy is false, the number of proxies in front of callrelay (1), or a list of their addresses and CIDR ranges ([10.0.0.5, 10.1.0.0/16])'),
  }).default(false).meta({
    description: 'The proxies in front of callrelay, whose X-Forwarded-For / -Proto / -Host are believed: `false` (none: the client is the connection\'s peer), their addresses and CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`), or their number (hops). The client is the rightmost X-Forwarded-For address that is not a trusted proxy. `true` is refused: it would let any client choose its address.',
    examples: [['10.0.0.5', '10.1.0.0/16'], ['loopback'], 1],
  }),
  headersTimeoutMs: z.number().int().min(100).max(600_000).default(5000)
    .meta({ description: 'A connection that has not sent complete request headers this long after it started the request is closed (408).' }),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(10_000)
    .meta({ description: 'A request whose body has not fully arrived this long after it started is closed (408). At least `headersTimeoutMs`.' }),
  maxConnections: z.number().int().min(1).default(1024)
    .meta({ description: 'Open connections at once; further connections are closed at once (platforms retry).' }),
  concurrencyPerSource: z.number().int().min(1).default(64)
    .meta({ description: "Requests of one source being read or processed at once; more get 503 with Retry-After. Bounds the memory held by bodies to this times `bodyLimit` per source." }),
  authFailureLimit: z.union([
    z.literal(false),
    z.object({
      burst: z.number().int().min(1).default(20).meta({ description: 'Failed authentications a client address may make in a row.' }),
      perMinute: z.number().positive().default(10).meta({ description: 'Failed authentications allowed per minute after the burst.' }),
    }).strict(),
  ]).default({ burst: 20, perMinute: 10 })
    .meta({ description: 'Per client address (IPv4 address, IPv6 /64): after `burst` failed authentications, requests get 429 with Retry-After until the bucket refills at `perMinute`; credentials are not checked meanwhile. `false` turns it off.' }),
  maxBodyDepth: z.number().int().min(1).max(1000).default(DEFAULT_BODY_SHAPE_LIMITS.maxDepth)
    .meta({ description: 'Deepest nesting of objects/arrays a body may have; deeper bodies get 400.' }),
  maxBodyFields: z.number().int().min(1).default(DEFAULT_BODY_SHAPE_LIMITS.maxFields)
    .meta({ description: 'Most fields (object members, array items, form or query parameters) a request may have; more get 400.' }),
  shutdownGraceMs: z.number().int().min(0).default(10_000).meta({ description: 'On SIGTERM, how long in-flight deliveries may finish.' }),
}).strict().refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
  path: ['headersTimeoutMs'], error: 'headersTimeoutMs is longer than requestTimeoutMs: the headers are part of the request',
});

export const logSchema = z.object({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  pretty: z.boolean().optional().meta({ description: 'Human-readable lines instead of JSON (`callrelay run`). Default: human-readable when stdout is a terminal and `NODE_ENV` is not `production`, JSON otherwise.' }),
}).strict();

export const trackerSchema = z.object({
  enabled: z.boolean().default(true).meta({ description: 'Derive `missed` and `completed` events from call lifecycles.' }),
  callTimeoutMs: z.number().int().min(1000).default(4 * 3600_000).meta({ description: 'A call with no event for this long is closed (an answered call gets its `completed` summary, flagged `timed-out`).' }),
  settleMs: z.number().int().min(0).max(600_000).default(2000).meta({ description: 'After a call ends, wait this long for late or out-of-order events before deciding `missed` or `completed`. 0 decides at once.' }),
  quietMs: z.number().int().min(1000).max(600_000).default(20_000).meta({ description: "When every agent the call was offered to has ended unanswered and the caller's leg reports nothing for this long, the call is missed (platforms such as jambonz with answerOnBridge send no end for the caller's leg). Raise it for applications that wait longer between dial attempts. See docs/calls.md." }),
  callbackWindowMs: z.number().int().min(60_000).max(30 * 86_400_000).default(86_400_000).meta({ description: 'A missed call counts as returned (`called_back` event) when the number is reached within this long: an answered outbound call to it, or its caller calling again and being answered. Default 24 h. See docs/threads-and-callbacks.md.' }),
  timeZone: ianaTimeZone.default('UTC').meta({ description: 'The zone whose calendar days `caller.callsToday` (repeat callers) counts in (IANA name).', examples: ['Europe/Berlin'] }),
}).strict();

export const backlogSchema = z.object({
  maxEvents: z.number().int().min(100).default(100_000).meta({ description: 'Events waiting to be routed (call tracker and pipelines) beyond which webhooks get 503 + Retry-After until the pipeline catches up. Sink queues do not count: a sink that is down never stops ingestion.' }),
  retryAfterSeconds: z.number().int().min(1).max(3600).default(5).meta({ description: 'The Retry-After of those 503 answers.' }),
  warnLagSeconds: z.number().int().min(1).default(30).meta({ description: 'A warning is logged (at most once a minute) while the oldest event waiting to be routed is older than this.' }),
}).strict();

/** Whether a listen address only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const adminSchema = z.object({
  host: z.string().default('127.0.0.1').meta({ description: 'Address the admin listener binds. Any address other than loopback needs `token`.' }),
  port: z.number().int().min(0).max(65535).default(9464).meta({ description: 'TCP port of the admin listener (9464: the port OpenTelemetry and Prometheus exporters use). 0 picks a free port.' }),
  // A refinement rather than .min(): the JSON Schema must let an editor accept `${ADMIN_TOKEN}`.
  token: secret(z.string().refine((token) => token.length >= 16, 'an admin token is at least 16 characters: generate one with `openssl rand -hex 24`')).optional().meta({
    description: 'Bearer token every admin request must carry (`Authorization: Bearer <token>`). Required when `host` is not loopback; when set, required on loopback too. Read it from the environment or a file rather than writing it here.',
    examples: ['${ADMIN_TOKEN}'],
  }),
}).strict().refine((admin) => admin.token !== undefined || isLoopbackHost(admin.host), {
  path: ['token'], error: 'the admin listener binds a non-loopback address: set admin.token, or bind it to 127.0.0.1',
}).meta({ description: 'The admin listener: the web console at `/` and its API under `/api` (docs/console.md), `/metrics`, `/healthz` and detailed `/readyz`, on its own address and port rather than the public webhook port. Absent: no admin listener.' });

export const storeBaseShape = {
  type: z.string().default('sqlite').meta({ description: 'Store type: `sqlite` (embedded default) or `nats`.' }),
};

/** The file as the core sees it before connector schemas are applied. */
export const rootSchema = z.object({
  $schema: z.string().optional(),
  sources: z.record(idSchema, z.looseObject({ type: z.string() })).default({}),
  sinks: z.record(idSchema, z.looseObject({ type: z.string() })).default({}),
  pipelines: z.record(idSchema, pipelineSchema).default({}),
  server: serverSchema.prefault({}),
  store: z.looseObject(storeBaseShape).prefault({}),
  log: logSchema.prefault({}),
  tracker: trackerSchema.prefault({}),
  backlog: backlogSchema.prefault({}),
  admin: adminSchema.optional(),
  businessHours: businessHoursSectionSchema.default({}),
  routes: routesSectionSchema.default({}),
}).strict();

export const EVENT_TYPE_VALUES = CALL_EVENT_TYPES;
export const DIRECTION_VALUES = CALL_DIRECTIONS;
