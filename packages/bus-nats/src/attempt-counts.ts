import type { NatsBackend } from './backend.js';
import type { NatsLayout } from './names.js';

/**
 * Counted attempts of queue items, kept beside the queues.
 *
 * JetStream counts deliveries, not attempts: a retry that does not count (a 429, a shutdown
 * hand-back) and a lease that expired are deliveries too. So a retry that counts writes the new
 * count to `<prefix>.attempts.<queue>.<item>` (one message per subject) before handing the item
 * back; a claim reads it only for redelivered messages (delivery count > 1), so first deliveries,
 * the vast majority, cost nothing extra; the ack of an item that has a count removes it.
 * Reads go to the stream leader (not direct get), so a count just written is always seen.
 */
export class AttemptCounts {
  constructor(private readonly backend: NatsBackend, private readonly layout: NatsLayout) {}

  async get(queueKey: string, id: string): Promise<number> {
    const stored = await this.backend.jsm.streams.getMessage(this.layout.attemptsStream, { last_by_subj: this.layout.attemptsSubject(queueKey, id) });
    if (!stored) return 0;
    const value = Number(stored.string());
    return Number.isInteger(value) && value >= 0 ? value : 0;
  }

  async set(queueKey: string, id: string, attempts: number): Promise<void> {
    await this.backend.js.publish(this.layout.attemptsSubject(queueKey, id), String(attempts));
  }

  async clear(queueKey: string, id: string): Promise<void> {
    await this.backend.jsm.streams.purge(this.layout.attemptsStream, { filter: this.layout.attemptsSubject(queueKey, id) });
  }
}
