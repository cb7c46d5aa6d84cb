import type { Msg } from '@nats-io/transport-node';
import type { AppendResult, CallEvent } from '@callrelay/core';
import { CallrelayError, errorMessage } from '@callrelay/core';
import { JS_ERR, type NatsBackend } from './backend.js';
import { JsApiFailure } from './pipelined-requests.js';
import type { NatsLayout } from './names.js';
import { token } from './names.js';
import type { QueueCodec } from './work-queue.js';

/**
 * The event log: stream `<prefix>_EVENTS`, one subject per event (`<prefix>.events.<id>`).
 *
 * Each event is published with `Nats-Msg-Id` = its id (a retry within the duplicate window is
 * answered `duplicate` without touching the store) and `Nats-Expected-Last-Subject-Sequence: 0`
 * (the server refuses a second message on the event's subject, so a platform retry is recognised
 * for the event's whole retention, not only within the window). `getEvent` is a direct get of the
 * last message on the event's subject.
 */
export class EventLog {
  constructor(private readonly backend: NatsBackend, private readonly layout: NatsLayout) {}

  /** Resolves when NATS has acknowledged every new event; rejects (STORE_UNAVAILABLE) otherwise. */
  async append(events: readonly CallEvent[]): Promise<AppendResult> {
    const { backend } = this;
    backend.assertWritable('appending events');
    const seen = new Set<string>();
    // All publishes leave at once, with those of every other webhook of this turn of the event
    // loop (one socket write, see WriteWindow); each has its own timeout.
    const results = await backend.window.run(() => Promise.allSettled(events.map((event): Promise<'stored' | 'duplicate'> => {
      if (seen.has(event.id)) return Promise.resolve('duplicate');
      seen.add(event.id);
      return this.publish(event);
    })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw new CallrelayError('STORE_UNAVAILABLE', `appending events to NATS stream ${this.layout.eventsStream}: ${errorMessage(failed.reason)}`, { cause: failed.reason });
    }
    const result: AppendResult = { stored: [], duplicates: [] };
    results.forEach((r, i) => {
      const outcome = (r as PromiseFulfilledResult<'stored' | 'duplicate'>).value;
      (outcome === 'stored' ? result.stored : result.duplicates).push(events[i]!.id);
    });
    return result;
  }

  private async publish(event: CallEvent): Promise<'stored' | 'duplicate'> {
    const subject = this.layout.eventSubject(event.id);
    const ack = await this.backend.requests.publish(subject, JSON.stringify(event), { msgId: token(event.id), expectLastSubjectSequence: 0 });
    if ('error' in ack) {
      // The event's subject already holds a message: a retry after the duplicate window.
      if (ack.error.err_code === JS_ERR.wrongLastSequence) return 'duplicate';
      throw new JsApiFailure(ack.error, subject);
    }
    return ack.duplicate ? 'duplicate' : 'stored';
  }

  async get(id: string): Promise<CallEvent | undefined> {
    const stored = await this.backend.jsm.direct.getMessage(this.layout.eventsStream, { last_by_subj: this.layout.eventSubject(id) });
    return stored ? (stored.json<CallEvent>()) : undefined;
  }

  /** The routing queue reads the log itself; enqueuing onto it is appending. */
  routingCodec(): QueueCodec<CallEvent> {
    return {
      enqueue: async (items) => { await this.append(items.map((i) => i.payload)); },
      decode: (msg: Msg) => {
        const event = JSON.parse(msg.string()) as CallEvent;
        if (typeof event?.id !== 'string') throw new Error('event without an id');
        return { id: event.id, payload: event };
      },
    };
  }
}
