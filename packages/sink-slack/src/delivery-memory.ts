import type { ConnectorContext, KeyValueStore } from '@callrelay/core';

interface Remembered {
  /** What Slack answered (message ts and channel, or the webhook's `ok`). */
  detail?: string;
  at: string;
}

/**
 * Remembers the deliveries that reached Slack, in the instance's shared state, so that a
 * redelivery of the same `deliveryId` (the engine crashed or lost its lease after Slack accepted
 * the message) does not post it twice. Slack's posting APIs take no idempotency key, so this is
 * the only guard; a crash between Slack's answer and the write below can still repeat a message.
 */
/**
 * How long a posted delivery is remembered: longer than any redelivery can come (the retry
 * schedule spans about a day, a dead letter may be replayed within days), short enough that the
 * ledger does not grow for ever.
 */
export const REMEMBER_MS = 14 * 86_400_000;

export class DeliveryMemory {
  constructor(private readonly state: KeyValueStore, private readonly logger: ConnectorContext['logger']) {}

  private key(deliveryId: string): string {
    return `posted/${deliveryId}`;
  }

  /** What was recorded when this delivery was posted (for {@link REMEMBER_MS}), or undefined. */
  async posted(deliveryId: string): Promise<Remembered | undefined> {
    return (await this.state.get<Remembered>(this.key(deliveryId)))?.value;
  }

  /** Records a posted delivery. A failure to record is logged, not thrown: the message is out, and a retry would post it again. */
  async remember(deliveryId: string, detail: string | undefined, at: number): Promise<void> {
    try {
      await this.state.put<Remembered>(this.key(deliveryId), { ...(detail ? { detail } : {}), at: new Date(at).toISOString() }, 0, { ttlMs: REMEMBER_MS });
    } catch (err) {
      this.logger.warn({ err, deliveryId }, 'slack sink: could not record a posted delivery; a redelivery would post it again');
    }
  }
}
