import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type ConsumerConfig, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { CallrelayError, errorMessage } from '@callrelay/core';
import type { ResolvedNatsOptions } from './config.js';
import { PipelinedRequests } from './pipelined-requests.js';
import { WriteWindow } from './write-window.js';

/** JetStream API error codes this package reacts to. */
export const JS_ERR = {
  streamNotFound: 10059,
  streamNameInUse: 10058,
  consumerNotFound: 10014,
  wrongLastSequence: 10071,
} as const;

/** The JetStream API error code of `err`, if it is one (identified by shape, not class). */
export function apiErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const nanos = (ms: number) => Math.round(ms * 1_000_000);

/**
 * One connection to NATS and what every part of the store shares: the JetStream clients, the
 * options, whether the connection is up, and a signal that aborts waiting claims on close.
 */
export class NatsBackend {
  /** False while the client is disconnected and reconnecting: writes fail at once instead of queueing. */
  connected = true;
  readonly closing = new AbortController();
  /** Operations of the same turn of the event loop leave in one socket write (see {@link WriteWindow}). */
  readonly window = new WriteWindow();
  /** Publishes and reads of the hot paths, answered on one subscription (see {@link PipelinedRequests}). */
  readonly requests: PipelinedRequests;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly options: ResolvedNatsOptions,
  ) {
    this.requests = new PipelinedRequests(nc, options.requestTimeoutMs);
    void this.watchStatus();
  }

  static async connect(options: ResolvedNatsOptions): Promise<NatsBackend> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        name: options.name ?? 'callrelay',
        user: options.user,
        pass: options.pass,
        token: options.token,
        timeout: options.connectTimeoutMs,
        // Never give up: a NATS outage must end with ingestion resuming, not with a dead process.
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        pingInterval: 10_000,
        // Without this the client captures two stack traces (an Error each) per request, ahead of
        // a failure that almost never comes: a tenth of the node's CPU under load. Errors still
        // name the subject and the cause.
        noAsyncTraces: true,
      });
    } catch (err) {
      throw new CallrelayError('STORE_UNAVAILABLE', `connecting to NATS at ${options.servers.join(', ')}: ${errorMessage(err)}`, { cause: err });
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: options.requestTimeoutMs });
      const js = jetstream(nc, { timeout: options.requestTimeoutMs });
      return new NatsBackend(nc, js, jsm, options);
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw new CallrelayError('STORE_UNAVAILABLE', `opening JetStream on ${options.servers.join(', ')} (is the server started with -js?): ${errorMessage(err)}`, { cause: err });
    }
  }

  private async watchStatus(): Promise<void> {
    const log = this.options.logger;
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        log?.warn({ server: status.server }, 'NATS disconnected; webhooks are answered 503 until it is back');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        log?.info({ server: status.server }, 'NATS reconnected; ingestion resumes');
      }
    }
  }

  /**
   * Fire-and-forget publish for acks that need no confirmation (progress, hand-backs): skipped
   * while disconnected (they would only queue up) and never throws (a closed connection).
   */
  fireAck(subject: string, body: string): void {
    if (!this.connected || this.nc.isClosed()) return;
    try {
      this.nc.publish(subject, body);
    } catch {
      // Closing: the server's ack wait takes care of the message.
    }
  }

  /** Throws the error the ingest path turns into 503 when nothing can be written now. */
  assertWritable(action: string): void {
    if (this.closing.signal.aborted || this.nc.isClosed()) throw new CallrelayError('STORE_UNAVAILABLE', `${action}: the NATS store is closed`);
    if (!this.connected) throw new CallrelayError('STORE_UNAVAILABLE', `${action}: NATS is disconnected (reconnecting)`);
  }

  /** Creates the stream, or brings an existing one to this configuration (retention, replicas). */
  async ensureStream(config: Partial<StreamConfig> & { name: string }): Promise<void> {
    const { jsm } = this;
    try {
      const info = await jsm.streams.info(config.name);
      const wanted = { ...info.config, ...config };
      if (JSON.stringify(wanted) !== JSON.stringify(info.config)) await jsm.streams.update(config.name, wanted);
    } catch (err) {
      if (apiErrorCode(err) !== JS_ERR.streamNotFound) throw err;
      try {
        await jsm.streams.add(config);
      } catch (addErr) {
        // Another node created it a moment ago.
        if (apiErrorCode(addErr) !== JS_ERR.streamNameInUse) throw addErr;
      }
    }
  }

  /** Creates the durable consumer or updates it to this configuration (the server does both). */
  async ensureConsumer(stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
    await this.jsm.consumers.add(stream, config);
  }

  /** Drains the connection; gives up draining (and just closes) when NATS does not answer. */
  async close(): Promise<void> {
    this.closing.abort();
    if (this.nc.isClosed()) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.options.requestTimeoutMs); });
    try {
      if (this.connected) await Promise.race([this.nc.drain(), timeout]);
    } catch {
      // Draining failed (connection lost meanwhile): closing below is what matters.
    } finally {
      clearTimeout(timer);
    }
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
    this.requests.close();
  }
}
