import { createInbox, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** A JetStream API error as the server sends it (`code` is the HTTP-like status, `err_code` the JetStream code). */
export interface JsApiError {
  code: number;
  err_code: number;
  description: string;
}

/**
 * A JetStream API error, identified like the client library's (`code` = the JetStream error code,
 * `status` = the HTTP-like status), so {@link apiErrorCode} reads both alike.
 */
export class JsApiFailure extends Error {
  readonly code: number;
  readonly status: number;
  constructor(error: JsApiError, subject: string) {
    super(`${subject}: ${error.description} (${error.err_code})`);
    this.name = 'JetStreamApiError';
    this.code = error.err_code;
    this.status = error.code;
  }
}

/** What a JetStream publish answers: the stored sequence, or the error that refused it. */
export type PubAckResult = { seq: number; duplicate: boolean } | { error: JsApiError };

/** A message read from a stream by `STREAM.MSG.GET` (data and headers still encoded). */
export interface StoredMessage {
  seq: number;
  data: Buffer;
  /** The raw header block (`NATS/1.0\r\nName: value...`), empty when the message has none. */
  headers: string;
}

interface Pending {
  resolve: (msg: Msg) => void;
  reject: (err: Error) => void;
  deadline: number;
  subject: string;
}

/**
 * Requests whose answers come back on one subscription: each request is a publish with the reply
 * subject `<inbox>.<n>`, answered into a map of pending promises, with one sweep for timeouts.
 *
 * The client's `request()` costs, per call, a timer, a promise race, a random token and an Error
 * built on completion even when nothing failed (its "cancelled" rejection of the settled request):
 * with a publish per event, per call state, per timer and per delivery, that bookkeeping was a
 * sixth of the node's CPU. Here a request is one map entry; many requests of one turn leave in one
 * socket write ({@link WriteWindow}) and their answers are read together. Expected refusals
 * (a duplicate event, a revision conflict, a key not found) are answers, not exceptions.
 */
export class PipelinedRequests {
  private readonly prefix = `${createInbox()}.`;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private sub?: Subscription;
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs: number) {}

  /** Sends a request; resolves with the answer, rejects on no responders, timeout or close. */
  request(subject: string, data: string | Uint8Array, headers?: ReturnType<typeof natsHeaders>): Promise<Msg> {
    this.listen();
    const id = ++this.next;
    return new Promise<Msg>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs, subject });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}${id}`, headers });
      } catch (err) {
        this.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  /**
   * Publishes to a stream and resolves with its PubAck, or with the error the stream answered
   * (wrong last sequence: a duplicate or a revision conflict). Rejects only when no answer came.
   */
  async publish(subject: string, data: string | Uint8Array, options: { msgId?: string; expectLastSubjectSequence?: number; headers?: ReturnType<typeof natsHeaders> } = {}): Promise<PubAckResult> {
    let h = options.headers;
    if (options.msgId !== undefined || options.expectLastSubjectSequence !== undefined) {
      h ??= natsHeaders();
      if (options.msgId !== undefined) h.set('Nats-Msg-Id', options.msgId);
      if (options.expectLastSubjectSequence !== undefined) h.set('Nats-Expected-Last-Subject-Sequence', String(options.expectLastSubjectSequence));
    }
    const answer = jsonOf<{ seq?: number; duplicate?: boolean; stream?: string; error?: JsApiError }>(await this.request(subject, data, h), subject);
    if (answer.error) return { error: answer.error };
    if (typeof answer.seq !== 'number' || !answer.stream) throw new Error(`publishing to ${subject}: not a PubAck (no stream answered?)`);
    return { seq: answer.seq, duplicate: answer.duplicate === true };
  }

  /** The last message on `subject` in `stream` (read on the stream leader), or undefined. */
  async lastBySubject(stream: string, subject: string): Promise<StoredMessage | undefined> {
    const api = `$JS.API.STREAM.MSG.GET.${stream}`;
    const answer = jsonOf<{ message?: { seq: number; data?: string; hdrs?: string }; error?: JsApiError }>(
      await this.request(api, JSON.stringify({ last_by_subj: subject })), api);
    if (answer.error) {
      if (answer.error.code === 404) return undefined;
      throw new JsApiFailure(answer.error, api);
    }
    const m = answer.message!;
    return { seq: m.seq, data: Buffer.from(m.data ?? '', 'base64'), headers: m.hdrs ? Buffer.from(m.hdrs, 'base64').toString('utf8') : '' };
  }

  /** Rejects every request still waiting (the connection is closing). */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new Error(`${p.subject}: the NATS connection is closing`));
    }
  }

  private listen(): void {
    if (this.sub) return;
    this.sub = this.nc.subscribe(`${this.prefix}*`, { callback: (_err, msg) => this.answer(msg) });
    this.sweeper = setInterval(() => this.sweep(), Math.max(50, Math.min(250, this.timeoutMs / 4)));
    this.sweeper.unref();
  }

  private answer(msg: Msg): void {
    const id = Number(msg.subject.slice(this.prefix.length));
    const p = this.pending.get(id);
    if (!p) return; // answered after its timeout
    this.pending.delete(id);
    if (msg.headers?.code === 503) p.reject(Object.assign(new Error(`${p.subject}: no responders (is JetStream enabled and the stream there?)`), { code: 503 }));
    else p.resolve(msg);
  }

  private sweep(): void {
    const now = Date.now();
    // Insertion order is deadline order (one timeout for all): stop at the first still running.
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(id);
      p.reject(new Error(`${p.subject}: no answer from NATS within ${this.timeoutMs} ms`));
    }
  }
}

function jsonOf<T>(msg: Msg, subject: string): T {
  try {
    return JSON.parse(msg.string()) as T;
  } catch (err) {
    throw new Error(`${subject}: unreadable answer from NATS`, { cause: err });
  }
}
