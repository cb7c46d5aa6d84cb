import type { ConnectorContext, KeyValueStore } from '@callrelay/core';
import type { SlackMessage } from './message.js';

/** A call's first message in Slack: where its thread is, and what it said (to update it later). */
export interface CallThread {
  channel: string;
  ts: string;
  /** The message as posted: `chat.update` replaces a message whole, so a note is added to this. */
  message: SlackMessage;
  postedAt: string;
}

/**
 * How long a call's thread is remembered: later events of the call (a voicemail's recording, a
 * callback within the callback window) come within hours or a day; a week leaves room for retries
 * and replays while the ledger stays bounded.
 */
export const THREAD_TTL_MS = 7 * 86_400_000;

/**
 * `call key → { channel, ts }` in the sink instance's shared state (the store's key-value, so it
 * survives restarts and every node sees it). Written once, when the call's first message is posted
 * (`expectedRevision: 0`): when two nodes post a first message for the same call at the same time,
 * the first record wins and later events thread under it.
 */
export class ThreadStore {
  constructor(private readonly state: KeyValueStore, private readonly logger: ConnectorContext['logger']) {}

  private key(callKey: string): string {
    return `thread/${callKey}`;
  }

  async find(callKey: string): Promise<CallThread | undefined> {
    return (await this.state.get<CallThread>(this.key(callKey)))?.value;
  }

  /** Records the call's first message. A failure is logged: the message is out; later events then post on their own. */
  async remember(callKey: string, thread: CallThread): Promise<void> {
    try {
      const written = await this.state.put<CallThread>(this.key(callKey), thread, 0, { ttlMs: THREAD_TTL_MS });
      if (written === false) this.logger.info({ call: callKey }, 'slack sink: the call already has a thread (another node posted first); keeping that one');
    } catch (err) {
      this.logger.warn({ err, call: callKey }, 'slack sink: could not record the thread of a call; its later events will not thread');
    }
  }
}
