import { createInbox, type Msg, type Subscription } from '@nats-io/transport-node';
import type { NatsBackend } from './backend.js';
import { nanos } from './backend.js';

/** What the ack subject of a JetStream message says about this delivery. */
export interface DeliveryInfo {
  stream: string;
  consumer: string;
  /** How many times JetStream has delivered this message (1 the first time). */
  deliveryCount: number;
  streamSequence: number;
}

/**
 * Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` and the newer
 * form with domain and account hash (`$JS.ACK.<domain>.<hash>.<stream>...<pending>.<token>`).
 */
export function parseAckSubject(subject: string): DeliveryInfo {
  const t = subject.split('.');
  if (t.length === 9) t.splice(2, 0, '_', '');
  if (t.length < 11 || t[0] !== '$JS' || t[1] !== 'ACK') throw new Error(`not a JetStream delivery: ${subject}`);
  return { stream: t[4]!, consumer: t[5]!, deliveryCount: Number(t[6]), streamSequence: Number(t[7]) };
}

/** The consumer is gone (deleted by hand, or its stream was): the caller recreates it. */
export class ConsumerMissingError extends Error {
  readonly code = 'CONSUMER_MISSING';
}

export interface PullRequest {
  stream: string;
  consumer: string;
  batch: number;
  /** 0: answer at once with what is ready (`no_wait`). Otherwise wait up to this long for the first message. */
  waitMs: number;
  signal?: AbortSignal;
}

/** How long after a pull request expires a straggler message is still expected (and handed back). */
const STRAGGLER_GRACE_MS = 2_000;

/**
 * One pull request on a durable consumer, on its own inbox so that it can be abandoned. Resolves
 * with the messages delivered, when the batch is full, when the server says there is nothing (more)
 * or the request expired, or when `signal` aborts. Messages the server sends after the caller
 * stopped listening (an aborted wait) are handed back at once with a NAK, so they do not sit out a
 * whole ack wait on an inbox nobody reads.
 */
export function pull(backend: NatsBackend, request: PullRequest): Promise<Msg[]> {
  const { nc, options } = backend;
  const { batch, waitMs, signal } = request;
  const messages: Msg[] = [];
  return new Promise<Msg[]>((resolve, reject) => {
    let settled = false;
    let sub: Subscription | undefined;
    let guard: NodeJS.Timeout | undefined;
    const finish = (error?: Error, requestOpen = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      signal?.removeEventListener('abort', onAbort);
      if (requestOpen && sub) {
        // The request may still deliver: keep listening until it expires and hand everything back.
        setTimeout(() => sub?.unsubscribe(), waitMs + STRAGGLER_GRACE_MS).unref();
      } else {
        sub?.unsubscribe();
      }
      if (error) reject(error);
      else resolve(messages);
    };
    const onAbort = () => finish(undefined, true);
    if (signal?.aborted) return resolve([]);
    try {
      sub = nc.subscribe(createInbox(), {
        callback: (_err, msg) => {
          const code = msg.headers?.code ?? 0;
          if (settled) {
            if (code === 0 && msg.reply) backend.fireAck(msg.reply, '-NAK');
            return;
          }
          if (code === 0) {
            messages.push(msg);
            if (messages.length >= batch) finish();
          } else if (code === 503) {
            finish(new ConsumerMissingError(`consumer ${request.consumer} of stream ${request.stream} does not answer`));
          } else if (code === 409 && /consumer deleted/i.test(msg.headers?.description ?? '')) {
            finish(new ConsumerMissingError(`consumer ${request.consumer} was deleted`));
          } else {
            // 404 no messages, 408 request expired, other 409s (leadership change...): the request is over.
            finish();
          }
        },
      });
      const body = waitMs > 0 ? { batch, expires: nanos(Math.max(1, waitMs)) } : { batch, no_wait: true };
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${request.stream}.${request.consumer}`, JSON.stringify(body), { reply: sub.getSubject() });
    } catch (err) {
      sub?.unsubscribe();
      return reject(err);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    // No answer at all (connection lost): give up, keeping what arrived.
    guard = setTimeout(() => {
      if (messages.length) finish(undefined, true);
      else finish(new Error(`pulling from ${request.stream}/${request.consumer}: no answer from NATS within ${waitMs + options.requestTimeoutMs} ms`), true);
    }, waitMs + options.requestTimeoutMs);
  });
}
