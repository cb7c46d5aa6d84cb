import type { DeadLetter, DeadLetterStore } from '@callrelay/core';
import type { NatsBackend } from './backend.js';
import type { NatsLayout } from './names.js';
import { readStream } from './read-stream.js';

/**
 * Dead letters: stream `<prefix>_DEADLETTERS`, one subject per letter
 * (`<prefix>.deadletters.<sink>.<id>`, at most one message each). Listing one sink's letters is a
 * subject filter on the server; get and remove by id use the wildcard `<prefix>.deadletters.*.<id>`.
 * Every node (and `callrelay dlq` run anywhere) sees the same letters.
 */
export class NatsDeadLetters implements DeadLetterStore {
  constructor(private readonly backend: NatsBackend, private readonly layout: NatsLayout) {}

  async add(letter: DeadLetter): Promise<void> {
    this.backend.assertWritable('recording a dead letter');
    await this.backend.js.publish(this.layout.deadLetterSubject(letter.sinkId, letter.id), JSON.stringify(letter));
  }

  async list(filter: { sinkId?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const subject = filter.sinkId === undefined ? this.layout.deadLettersFilter : this.layout.deadLettersOfSink(filter.sinkId);
    const messages = await readStream(this.backend, this.layout.deadLettersStream, subject, filter.limit ?? Number.MAX_SAFE_INTEGER);
    return messages.map((m) => m.json<DeadLetter>());
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const stored = await this.backend.jsm.streams.getMessage(this.layout.deadLettersStream, { last_by_subj: this.layout.deadLetterById(id) });
    return stored ? stored.json<DeadLetter>() : undefined;
  }

  async remove(id: string): Promise<void> {
    await this.backend.jsm.streams.purge(this.layout.deadLettersStream, { filter: this.layout.deadLetterById(id) });
  }
}
