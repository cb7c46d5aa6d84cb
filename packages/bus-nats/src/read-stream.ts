import type { Msg } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { NatsBackend } from './backend.js';
import { nanos } from './backend.js';
import { pull } from './pull.js';

const CHUNK = 256;

/**
 * Reads the messages of a stream that match `filter`, oldest first, up to `limit`, through a
 * short-lived ephemeral consumer (no acks; deleted afterwards, or by the server when idle).
 */
export async function readStream(backend: NatsBackend, stream: string, filter: string, limit: number): Promise<Msg[]> {
  const info = await backend.jsm.consumers.add(stream, {
    filter_subject: filter,
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    mem_storage: true,
    inactive_threshold: nanos(60_000),
  });
  try {
    const wanted = Math.min(limit, info.num_pending);
    const messages: Msg[] = [];
    while (messages.length < wanted) {
      const chunk = await pull(backend, { stream, consumer: info.name, batch: Math.min(CHUNK, wanted - messages.length), waitMs: 0 });
      if (!chunk.length) break; // removed meanwhile
      messages.push(...chunk);
    }
    return messages;
  } finally {
    await backend.jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}
