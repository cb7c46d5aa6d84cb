/**
 * Injection tokens of the core services. `Symbol.for` so that a plugin bundling its own copy of
 * `@callrelay/core` still resolves the host's services.
 */
export const TOKENS = {
  /** pino logger, child of the host logger, bound per connector with `{ connector, id }`. */
  Logger: Symbol.for('callrelay.Logger'),
  /** {@link Clock}: time, so tests can control it. */
  Clock: Symbol.for('callrelay.Clock'),
  /** {@link HttpClient}: `fetch` with the host's defaults. */
  HttpClient: Symbol.for('callrelay.HttpClient'),
  /** prom-client Registry of the process. */
  Metrics: Symbol.for('callrelay.Metrics'),
  /** {@link KeyValueStore} namespaced to the connector instance. */
  State: Symbol.for('callrelay.State'),
  /** The {@link Store} (event log, queues). */
  Store: Symbol.for('callrelay.Store'),
  /** The validated config of the connector instance being created. */
  ConnectorConfig: Symbol.for('callrelay.ConnectorConfig'),
  /** The id of the connector instance (`sources.<id>` / `sinks.<id>`). */
  ConnectorId: Symbol.for('callrelay.ConnectorId'),
} as const;

/** The time source of the host (`ctx.clock`); tests replace it with a manual clock. */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
}

/** `fetch` as the host provides it (`ctx.http`); tests replace it with a recording client. */
export type HttpClient = typeof fetch;
