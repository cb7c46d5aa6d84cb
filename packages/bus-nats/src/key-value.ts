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
    return { value: entry.json<T>(), revision: entry.revision };
  }

  async put<T = unknown>(key: string, value: T, expectedRevision?: number): Promise<number | false> {
    this.backend.assertWritable('writing state');
    const kv = await this.bucket;
    const k = this.key(key);
    const data = JSON.stringify(value);
    try {
      if (expectedRevision === undefined) return await kv.put(k, data);
      if (expectedRevision === 0) return await kv.create(k, data);
      return await kv.update(k, data, expectedRevision);
    } catch (err) {
      if (apiErrorCode(err) === JS_ERR.wrongLastSequence) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    this.backend.assertWritable('deleting state');
    await this.bucket;
    await this.backend.jsm.streams.purge(`KV_${this.layout.stateBucket}`, { filter: `$KV.${this.layout.stateBucket}.${this.key(key)}` });
  }
}
