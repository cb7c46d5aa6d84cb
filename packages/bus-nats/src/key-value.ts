import type { KV } from '@nats-io/kv';
import type { KeyValueStore, KvEntry } from '@callrelay/core';
import { JS_ERR, type NatsBackend } from './backend.js';
import type { NatsLayout } from './names.js';
import { JsApiFailure, type StoredMessage } from './pipelined-requests.js';
import { settleAll } from './settle-all.js';

/**
 * One namespace of the state bucket (`<prefix>_state`, a JetStream KV bucket, history 1). Keys are
 * `<namespace>.<key>`, each part encoded by `token()` so that any string is a valid KV key.
 * Compare-and-set maps onto KV revisions: expected revision 0 is a create (the key's subject must
 * hold no message), n an update (its last message must be revision n); both failures are `false`.
 * Reads go to the stream leader (the bucket has no direct get), so a node always reads the latest
 * revision another node wrote. Delete purges the key's subject: no delete marker is left behind,
 * so keys of ended calls do not accumulate.
 *
 * Reads and writes speak the KV wire format directly (a publish to `$KV.<bucket>.<key>` with
 * `Nats-Expected-Last-Subject-Sequence`, a `STREAM.MSG.GET` by last subject), as the `@nats-io/kv`
 * client does, through {@link PipelinedRequests}: a routing batch writes many call states, and a
 * conflict or a missing key is an answer there, not an exception built with its stack trace.
 */
export class NatsKeyValueStore implements KeyValueStore {
  private readonly stream: string;

  constructor(
    private readonly backend: NatsBackend,
    private readonly layout: NatsLayout,
    /** Resolves once the bucket exists. */
    private readonly bucket: Promise<KV>,
    private readonly namespace: string,
  ) {
    this.stream = `KV_${layout.stateBucket}`;
  }

  private subject(key: string): string {
    return `$KV.${this.layout.stateBucket}.${this.layout.stateKey(this.namespace, key)}`;
  }

  async get<T = unknown>(key: string): Promise<KvEntry<T> | undefined> {
    await this.bucket;
    return entryOf<T>(await this.backend.window.run(() => this.read(key)));
  }

  /**
   * Reads many keys at once: one get per key (nats-server 2.9 has no multi-key get), all started
   * in the same turn of the event loop, so they leave in one socket write and are answered
   * together (a routing batch reads its calls in one round trip).
   */
  async getMany<T = unknown>(keys: readonly string[]): Promise<Map<string, KvEntry<T>>> {
    await this.bucket;
    const stored = await this.backend.window.run(() => settleAll(keys.map((key) => this.read(key))));
    const out = new Map<string, KvEntry<T>>();
    stored.forEach((message, i) => {
      const entry = entryOf<T>(message);
      if (entry) out.set(keys[i]!, entry);
    });
    return out;
  }

  /**
   * A key with `ttlMs` is stored in an envelope with its expiry (JetStream KV has no per-key TTL
   * before nats-server 2.11): it reads as absent once expired, and an expired key can be created
   * again. The bucket's history of 1 keeps one message per key.
   */
  async put<T = unknown>(key: string, value: T, expectedRevision?: number, options: { ttlMs?: number } = {}): Promise<number | false> {
    this.backend.assertWritable('writing state');
    await this.bucket;
    const data = JSON.stringify(options.ttlMs === undefined ? value : { [TTL_ENVELOPE]: Date.now() + options.ttlMs, value });
    const written = await this.backend.window.run(() => this.write(key, data, expectedRevision));
    if (written !== false || expectedRevision !== 0) return written;
    // The key exists: when it only holds an expired value (or a delete marker), it counts as absent.
    const current = await this.read(key);
    if (!current || entryOf(current)) return false;
    return this.write(key, data, current.seq);
  }

  async delete(key: string): Promise<void> {
    this.backend.assertWritable('deleting state');
    await this.bucket;
    await this.backend.jsm.streams.purge(this.stream, { filter: this.subject(key) });
  }

  private read(key: string): Promise<StoredMessage | undefined> {
    return this.backend.requests.lastBySubject(this.stream, this.subject(key));
  }

  /** The new revision, or false when the key's revision was not `expectedRevision`. */
  private async write(key: string, data: string, expectedRevision: number | undefined): Promise<number | false> {
    const subject = this.subject(key);
    const ack = await this.backend.requests.publish(subject, data, { expectLastSubjectSequence: expectedRevision });
    if (!('error' in ack)) return ack.seq;
    if (ack.error.err_code === JS_ERR.wrongLastSequence) return false;
    throw new JsApiFailure(ack.error, subject);
  }
}

/** The key of the envelope that carries a value's expiry (a name no caller's value uses). */
const TTL_ENVELOPE = '$callrelayExpiresAt';

/** The entry a stored message holds: none for a delete or purge marker, or an expired value. */
function entryOf<T>(message: StoredMessage | undefined): KvEntry<T> | undefined {
  if (!message || /^KV-Operation:/im.test(message.headers)) return undefined;
  const value = unwrap<T>(JSON.parse(message.data.toString('utf8')));
  return value.expired ? undefined : { value: value.value, revision: message.seq };
}

function unwrap<T>(stored: unknown): { value: T; expired: boolean } {
  if (stored && typeof stored === 'object' && TTL_ENVELOPE in stored) {
    const envelope = stored as { [TTL_ENVELOPE]: number; value: T };
    return { value: envelope.value, expired: envelope[TTL_ENVELOPE] <= Date.now() };
  }
  return { value: stored as T, expired: false };
}
