import type { KV } from '@nats-io/kv';
import type { KeyValueStore, KvEntry } from '@callrelay/core';
import { apiErrorCode, JS_ERR, type NatsBackend } from './backend.js';
import type { NatsLayout } from './names.js';

/**
 * One namespace of the state bucket (`<prefix>_state`, a JetStream KV bucket, history 1). Keys are
 * `<namespace>.<key>`, each part encoded by `token()` so that any string is a valid KV key.
 * Compare-and-set maps onto KV revisions: expected revision 0 is `kv.create` (fails when the key
 * exists), n is `kv.update(n)` (fails when another write came first); both failures are `false`.
 * Reads go to the stream leader (the bucket has no direct get), so a node always reads the latest
 * revision another node wrote. Delete purges the key's subject: no delete marker is left behind,
 * so keys of ended calls do not accumulate.
 */
export class NatsKeyValueStore implements KeyValueStore {
  constructor(
    private readonly backend: NatsBackend,
    private readonly layout: NatsLayout,
    private readonly bucket: Promise<KV>,
    private readonly namespace: string,
  ) {}

  private key(key: string): string {
    return this.layout.stateKey(this.namespace, key);
  }

  async get<T = unknown>(key: string): Promise<KvEntry<T> | undefined> {
    const entry = await (await this.bucket).get(this.key(key));
    if (!entry || entry.operation !== 'PUT') return undefined;
    const value = unwrap<T>(entry.json<unknown>());
    return value.expired ? undefined : { value: value.value, revision: entry.revision };
  }

  /**
   * A key with `ttlMs` is stored in an envelope with its expiry (JetStream KV has no per-key TTL
   * before nats-server 2.11): it reads as absent once expired, and an expired key can be created
   * again. The bucket's history of 1 keeps one message per key.
   */
  async put<T = unknown>(key: string, value: T, expectedRevision?: number, options: { ttlMs?: number } = {}): Promise<number | false> {
    this.backend.assertWritable('writing state');
    const kv = await this.bucket;
    const k = this.key(key);
    const data = JSON.stringify(options.ttlMs === undefined ? value : { [TTL_ENVELOPE]: Date.now() + options.ttlMs, value });
    try {
      if (expectedRevision === undefined) return await kv.put(k, data);
      if (expectedRevision === 0) return await kv.create(k, data);
      return await kv.update(k, data, expectedRevision);
    } catch (err) {
      if (apiErrorCode(err) !== JS_ERR.wrongLastSequence) throw err;
      if (expectedRevision !== 0) return false;
      // The key exists: when it only holds an expired value, it counts as absent.
      const current = await kv.get(k);
      if (!current || current.operation !== 'PUT' || !unwrap(current.json<unknown>()).expired) return false;
      try {
        return await kv.update(k, data, current.revision);
      } catch (again) {
        if (apiErrorCode(again) === JS_ERR.wrongLastSequence) return false;
        throw again;
      }
    }
  }

  async delete(key: string): Promise<void> {
    this.backend.assertWritable('deleting state');
    await this.bucket;
    await this.backend.jsm.streams.purge(`KV_${this.layout.stateBucket}`, { filter: `$KV.${this.layout.stateBucket}.${this.key(key)}` });
  }
}

/** The key of the envelope that carries a value's expiry (a name no caller's value uses). */
const TTL_ENVELOPE = '$callrelayExpiresAt';

function unwrap<T>(stored: unknown): { value: T; expired: boolean } {
  if (stored && typeof stored === 'object' && TTL_ENVELOPE in stored) {
    const envelope = stored as { [TTL_ENVELOPE]: number; value: T };
    return { value: envelope.value, expired: envelope[TTL_ENVELOPE] <= Date.now() };
  }
  return { value: stored as T, expired: false };
}
