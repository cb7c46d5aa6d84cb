import { z } from 'zod';

/**
 * The admin API's requests and answers, one zod schema each: the handlers validate with them and
 * `GET /api/openapi.json` is generated from them (openapi.ts), so the document cannot drift.
 */

const isoTime = z.iso.datetime({ offset: true });

export const callListQuery = z.object({
  source: z.string().max(100).optional().meta({ description: 'Only this source id.' }),
  outcome: z.enum(['missed', 'completed', 'in-progress']).optional().meta({ description: 'Only calls with this outcome (`in-progress`: none yet).' }),
  number: z.string().max(64).optional().meta({ description: 'A part of the caller, the called or the answering number or extension.' }),
  from: isoTime.optional().meta({ description: 'Calls that started at or after this time.' }),
  to: isoTime.optional().meta({ description: 'Calls that started before this time.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50).meta({ description: 'Page size.' }),
  cursor: z.string().max(512).optional().meta({ description: 'The `next` of the previous page.' }),
}).strict();

export const callRecord = z.object({
  source: z.string(), callId: z.string(), direction: z.string().optional(),
  from: z.string().optional(), to: z.string().optional(),
  startedAt: isoTime, lastEventAt: isoTime,
  outcome: z.string().optional().meta({ description: '`missed` or `completed`; absent while the call is in progress.' }),
  answeredBy: z.string().optional(), ringSeconds: z.number().optional(), talkSeconds: z.number().optional(),
  legs: z.number().int().optional(), events: z.number().int(),
  change: z.number().int().meta({ description: 'Grows on every change of the call (live updates).' }),
}).meta({ id: 'Call' });

export const callPage = z.object({
  calls: z.array(callRecord),
  next: z.string().optional().meta({ description: 'Cursor of the next page; absent on the last one.' }),
  mark: z.number().int().meta({ description: 'Latest change mark: pass it as `after` to `GET /api/events`.' }),
}).meta({ id: 'CallPage' });

export const deliveryInfo = z.object({
  pipeline: z.string(), sinkId: z.string(), id: z.string(), eventId: z.string(), eventType: z.string(),
  state: z.enum(['queued', 'retrying', 'delivered', 'dead-letter']),
  attempts: z.number().int(),
  nextAttemptAt: isoTime.optional(),
  reason: z.string().optional().meta({ description: 'Why the delivery was dead-lettered.' }),
  replayedAs: z.string().optional().meta({ description: 'The id of the replay of this dead-lettered delivery; `state` is then the replay\'s.' }),
}).meta({ id: 'Delivery' });

export const callDetail = z.object({
  call: callRecord.optional(),
  events: z.array(z.looseObject({ id: z.string(), type: z.string(), occurredAt: z.string() })).meta({ description: 'The call\'s canonical events, oldest first; `raw` is the webhook as received.' }),
  deliveries: z.array(deliveryInfo),
}).meta({ id: 'CallDetail' });

export const sinkHealth = z.object({
  id: z.string(), type: z.string(),
  queueDepth: z.number().int(),
  waitingSince: isoTime.optional().meta({ description: 'Since when the oldest undelivered item has waited.' }),
  delivered: z.number().int().meta({ description: 'Deliveries that succeeded since this node started.' }),
  retried: z.number().int().meta({ description: 'Attempts that failed and will be retried, since this node started.' }),
  deadLettered: z.number().int().meta({ description: 'Deliveries given up since this node started.' }),
  successRate: z.number().optional().meta({ description: 'delivered / attempts since this node started.' }),
  deadLetters: z.number().int().meta({ description: 'Dead letters stored for the sink (every node).' }),
  lastError: z.object({ reason: z.string(), at: isoTime }).optional().meta({ description: 'The latest dead letter\'s reason.' }),
  retry: z.object({
    maxAttempts: z.number().int(), initialBackoffMs: z.number().int(), maxBackoffMs: z.number().int(),
    spanMs: z.object({ min: z.number(), max: z.number() }),
    waits: z.array(z.object({ afterAttempt: z.number().int(), minMs: z.number(), maxMs: z.number() })),
  }).meta({ description: 'The retry schedule (docs/configuration.md).' }),
}).meta({ id: 'SinkHealth' });

export const sinkList = z.object({ sinks: z.array(sinkHealth) }).meta({ id: 'SinkList' });

export const deadLetterQuery = z.object({
  sinkId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional(),
}).strict();

export const deadLetter = z.object({
  id: z.string(), sinkId: z.string(), reason: z.string(), attempts: z.number().int(), failedAt: z.string(),
  pipeline: z.string(), event: z.looseObject({ id: z.string(), type: z.string(), source: z.string(), callId: z.string() }),
}).meta({ id: 'DeadLetter' });

export const deadLetterPage = z.object({ deadLetters: z.array(deadLetter), next: z.string().optional() }).meta({ id: 'DeadLetterPage' });

export const deadLetterAction = z.object({
  ids: z.array(z.string().max(1000)).max(1000).optional().meta({ description: 'These dead letters.' }),
  sinkId: z.string().max(100).optional().meta({ description: 'Only (or all of) this sink\'s.' }),
  failedBefore: isoTime.optional().meta({ description: 'Only those that failed before this time.' }),
}).strict().refine((a) => (a.ids?.length ?? 0) > 0 || a.sinkId !== undefined || a.failedBefore !== undefined, {
  error: 'name the dead letters: ids, sinkId or failedBefore',
}).meta({ id: 'DeadLetterSelection' });

export const deadLetterResult = z.object({
  count: z.number().int(), ids: z.array(z.string()), missing: z.array(z.string()),
}).meta({ id: 'DeadLetterResult' });

export const liveTicket = z.object({
  ticket: z.string(), expiresAt: isoTime,
}).meta({ id: 'LiveTicket', description: 'A one-time ticket for `GET /api/events?ticket=` (EventSource cannot send an Authorization header).' });

export const errorBody = z.object({ error: z.string(), issues: z.array(z.unknown()).optional() }).meta({ id: 'Error' });
