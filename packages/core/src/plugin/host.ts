import { Container } from 'inversify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { AnyConnectorDefinition, ConnectorContext, ConnectorKind, SinkDefinition, SourceDefinition, StoreContext, StoreDefinition, Transform, TransformDefinition } from './define.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';
import { TOKENS, type Clock, type HttpClient } from './tokens.js';
import { errorMessage } from '../errors.js';
import { redactUrls } from '../util/redact.js';

/**
 * Code of the error a connector's `create()` or `start()` failure is reported with (documented in
 * docs/errors.md). Not yet in `ERROR_CODES` (core/src/errors.ts), hence a plain string here.
 */
export const CONNECTOR_START_FAILED = 'CONNECTOR_START_FAILED';

/**
 * A connector failed while the node was starting: `creating source "pbx" (jambonz): <cause>`. The
 * message names the connector's kind, config id and type, and the cause's message with URL
 * credentials redacted; the cause itself is attached as `cause`.
 */
export class ConnectorStartError extends Error {
  readonly code = CONNECTOR_START_FAILED;
  readonly details: { kind: ConnectorKind; id: string; type: string; action: string };
  constructor(action: string, kind: ConnectorKind, id: string, type: string, cause: unknown) {
    super(`${action} ${kind} "${id}" (${type}): ${redactUrls(errorMessage(cause))}`, { cause });
    this.name = 'ConnectorStartError';
    this.details = { kind, id, type, action };
  }
}

/**
 * Runs one step of a connector's start (`creating`, `starting`) and reports its failure once,
 * attributed to the connector: an error already attributed (a nested step) is passed on as it is.
 */
export async function attributed<T>(action: string, kind: ConnectorKind, id: string, type: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === CONNECTOR_START_FAILED) throw err;
    throw new ConnectorStartError(action, kind, id, type, err);
  }
}

type InstanceOf<D> = D extends SourceDefinition ? Source : D extends SinkDefinition ? Sink : D extends TransformDefinition ? Transform : never;

/** The core services every connector may use. */
export interface HostServices {
  logger: Logger;
  clock: Clock;
  http: HttpClient;
  metrics: Registry;
}

/**
 * The plugin host: an inversify container holding the core services under {@link TOKENS}. Each
 * connector instance gets a child container with its own id, config, logger and state, so a
 * connector never sees another's secrets or state, and tests can rebind any service.
 */
export class PluginHost {
  readonly container: Container;

  constructor(services: HostServices) {
    this.container = new Container();
    this.container.bind(TOKENS.Logger).toConstantValue(services.logger);
    this.container.bind(TOKENS.Clock).toConstantValue(services.clock);
    this.container.bind(TOKENS.HttpClient).toConstantValue(services.http);
    this.container.bind(TOKENS.Metrics).toConstantValue(services.metrics);
  }

  /** Binds the store once it is open; connectors created afterwards get state in it. */
  bindStore(store: Store): void {
    this.container.bind(TOKENS.Store).toConstantValue(store);
  }

  /** The context of a store connector (created before the store exists, so without state). */
  storeContext(type: string, config: unknown, baseDir: string): StoreContext {
    const child = this.child('store', 'store', type, config);
    return { id: 'store', logger: child.get<Logger>(TOKENS.Logger), clock: child.get<Clock>(TOKENS.Clock), http: child.get<HttpClient>(TOKENS.HttpClient), metrics: child.get<Registry>(TOKENS.Metrics), baseDir };
  }

  /** Creates the store; a failure is reported as `creating store "store" (sqlite): <cause>`. */
  createStore(definition: StoreDefinition, options: Record<string, unknown>, baseDir: string): Promise<Store> {
    return attributed('creating', 'store', 'store', definition.type, () => definition.create(options as never, this.storeContext(definition.type, options, baseDir)));
  }

  /**
   * Creates one source, sink or transform instance with its context (after {@link bindStore}); a
   * failure is reported as `creating sink "crm" (webhook): <cause>`, the cause attached. `extras`
   * are added to the context (a sink's `delivery` settings).
   */
  createConnector<D extends SourceDefinition | SinkDefinition | TransformDefinition>(
    id: string, definition: D, options: Record<string, unknown>, baseDir: string, extras: Partial<ConnectorContext> = {},
  ): Promise<InstanceOf<D>> {
    const kind = definition.kind;
    return attributed('creating', kind, id, definition.type, () => {
      const context = { ...this.connectorContext(kind, id, definition.type, options, baseDir), ...extras };
      return (definition as AnyConnectorDefinition & { create(config: unknown, context: ConnectorContext): unknown }).create(options, context) as InstanceOf<D> | Promise<InstanceOf<D>>;
    });
  }

  /** The context of one source, sink or transform instance, resolved from its child container. */
  connectorContext(kind: ConnectorKind, id: string, type: string, config: unknown, baseDir: string): ConnectorContext {
    const child = this.child(kind, id, type, config);
    const store = child.get<Store>(TOKENS.Store);
    child.bind(TOKENS.State).toConstantValue(store.kv(`${kind}:${id}`));
    return {
      id: child.get<string>(TOKENS.ConnectorId),
      logger: child.get<Logger>(TOKENS.Logger),
      clock: child.get<Clock>(TOKENS.Clock),
      http: child.get<HttpClient>(TOKENS.HttpClient),
      metrics: child.get<Registry>(TOKENS.Metrics),
      state: child.get(TOKENS.State),
      baseDir,
    };
  }

  private child(kind: ConnectorKind, id: string, type: string, config: unknown): Container {
    const child = new Container({ parent: this.container });
    const logger = this.container.get<Logger>(TOKENS.Logger).child({ [kind]: id, connector: type });
    child.bind(TOKENS.Logger).toConstantValue(logger);
    child.bind(TOKENS.ConnectorId).toConstantValue(id);
    child.bind(TOKENS.ConnectorConfig).toConstantValue(config);
    return child;
  }
}
