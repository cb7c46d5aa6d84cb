import { headers, type Msg } from '@nats-io/transport-node';
import type { EnqueueItem } from '@callrelay/core';
import type { NatsBackend } from './backend.js';
import { token, type QueueAddress } from './names.js';
import { JsApiFailure } from './pipelined-requests.js';
import { settleAll } from './settle-all.js';
import { NOT_BEFORE_HEADER, type QueueCodec } from './work-queue.js';

/**
 * Items of the timer and delivery queues: `{id, payload}` as JSON on the queue's subject.
 * `Nats-Msg-Id` = `<queue>:<id>` makes enqueue idempotent within the duplicate window, also after
 * the item was acknowledged (and so removed from the work-queue stream). A `notBefore` in the
 * future travels as the {@link NOT_BEFORE_HEADER} header.
 */
export function itemCodec<T>(backend: NatsBackend, address: QueueAddress): QueueCodec<T> {
  return {
    async enqueue(items: readonly EnqueueItem<T>[]): Promise<void> {
      const now = Date.now();
      // One socket write with the other writes of this turn of the event loop (WriteWindow).
      await backend.window.run(() => settleAll(items.map(async (item) => {
        const h = headers();
        if (item.notBefore !== undefined && item.notBefore > now) h.set(NOT_BEFORE_HEADER, String(Math.ceil(item.notBefore)));
        const ack = await backend.requests.publish(address.subject, JSON.stringify({ id: item.id, payload: item.payload }), {
          msgId: `${address.key}:${token(item.id)}`,
          headers: h,
        });
        if ('error' in ack) throw new JsApiFailure(ack.error, address.subject);
      })));
    },
    decode(msg: Msg) {
      const body = JSON.parse(msg.string()) as { id?: unknown; payload?: unknown };
      if (typeof body.id !== 'string') throw new Error('queue item without an id');
      return { id: body.id, payload: body.payload as T };
    },
  };
}
