import type { CallEvent, ConnectorContext, DeliveryOutcome, KeyValueStore } from '@callrelay/core';
import type { SlackBlock, SlackMessage } from './message.js';
import { ThreadStore } from './thread-store.js';
import type { WebApiPoster } from './web-api-poster.js';
import { REMEMBER_MS } from './delivery-memory.js';
import { callbackNote } from './display.js';
import { escapeMrkdwn } from './escape.js';

export interface ThreadOptions {
  /** Update the first message of the call with a note when the call's missed call is returned. */
  updateParent: boolean;
}

/**
 * Web API mode with `threads: true`: the first message of a call starts its thread, later events of
 * the same call (same source and call id; a `called_back` event carries its missed call's) are posted
 * as replies (`thread_ts`), and a `called_back` event also updates the first message (`chat.update`)
 * with its note, so the channel shows at a glance which missed calls were returned.
 *
 * A reply and an update are two requests: the reply is recorded before the update is tried, so a
 * retry after a failed update does not post the reply twice.
 */
export class ThreadedPoster {
  private readonly threads: ThreadStore;

  constructor(
    private readonly poster: WebApiPoster,
    private readonly state: KeyValueStore,
    private readonly options: ThreadOptions,
    private readonly logger: ConnectorContext['logger'],
  ) {
    this.threads = new ThreadStore(state, logger);
  }

  async deliver(event: CallEvent, message: SlackMessage, deliveryId: string, signal: AbortSignal, now: number): Promise<DeliveryOutcome> {
    // One call = one source and call id, as the call tracker folds them (docs/calls.md, rule 1).
    const key = `${event.source}:${event.callId}`;
    const thread = await this.threads.find(key);
    if (!thread) {
      const posted = await this.poster.send('chat.postMessage', { message }, signal);
      if (!posted.ok) return posted.outcome;
      await this.threads.remember(key, { channel: posted.channel, ts: posted.ts, message, postedAt: new Date(now).toISOString() });
      return { status: 'delivered', detail: `ts ${posted.ts} in ${posted.channel} (starts the call's thread)` };
    }

    const replyKey = `replied/${deliveryId}`;
    let reply = (await this.state.get<{ ts: string }>(replyKey))?.value;
    if (!reply) {
      const posted = await this.poster.send('chat.postMessage', { channel: thread.channel, threadTs: thread.ts, message }, signal);
      if (!posted.ok) return posted.outcome;
      reply = { ts: posted.ts };
      await this.state.put(replyKey, reply, undefined, { ttlMs: REMEMBER_MS }).catch((err: unknown) => {
        this.logger.warn({ err, deliveryId }, 'slack sink: could not record a thread reply; a retry would post it again');
      });
    }
    if (event.type === 'called_back' && this.options.updateParent) {
      const updated = await this.poster.send('chat.update', { channel: thread.channel, ts: thread.ts, message: withNote(thread.message, escapeMrkdwn(callbackNote(event))) }, signal);
      if (!updated.ok) return updated.outcome;
      return { status: 'delivered', detail: `reply ts ${reply.ts} in thread ${thread.ts} of ${thread.channel}; first message updated` };
    }
    return { status: 'delivered', detail: `reply ts ${reply.ts} in thread ${thread.ts} of ${thread.channel}` };
  }
}

/**
 * The call's first message with a note (already escaped for mrkdwn) under it: in its text (the
 * fallback) and as a context block. `chat.update` replaces the message whole, hence the copy kept.
 */
export function withNote(parent: SlackMessage, escapedNote: string): SlackMessage {
  const note = `:white_check_mark: ${escapedNote}`;
  const blocks: SlackBlock[] | undefined = parent.blocks
    ? [...parent.blocks, { type: 'context', elements: [{ type: 'mrkdwn', text: note, verbatim: true }] }]
    : undefined;
  return { text: `${parent.text}\n${note}`, ...(blocks ? { blocks } : {}) };
}
