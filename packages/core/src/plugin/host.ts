import { Container, type ResolutionContext } from 'inversify';
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

/** A connector instance and the child container it was resolved in. */
export interface HostedConnector<I> {
  instance: I;
  container: Container;
  /**
   * Unbinds the child container: its deactivation stops a source (`stop`) and closes a sink
   * (`close`). Errors are thrown to the caller, which logs them.
   */
  dispose(): Promise<void>;
}

// Tokens bound in the child containers only: the instance, its context, the config file's folder.
const INSTANCE = Symbol('callrelay.host.Instance');
const CONTEXT = Symbol('callrelay.host.Context');
const BASE_DIR = Symbol('callrelay.host.BaseDir');

/**
 * The plugin host: a view of the node's inversify container, where the core services are bound
 * under {@link TOKENS}. Each connector instance (source, sink, transform, store) is resolved in a
 * child container that binds its own id, config, logger and state; its `create()` receives the
 * config and context resolved there. A connector never sees another's secrets or state, and an
 * embedder or a test rebinds a service in the parent for every connector at once.
 */
export class PluginHost {
  readonly container: Container;

  /** Over the node's container, or (tests) a fresh one holding `services`. */
  constructor(services: HostServices | Container) {
    if (services instanceof Container) {
      this.container = services;
      return;
    }
    this.container = new Container();
    this.container.bind(TOKENS.Logger).toConstantValue(services.logger);
    this.container.bind(TOKENS.Clock).toConstantValue(services.clock);
    this.container.bind(TOKENS.HttpClient).toConstantValue(services.http);
    this.container.bind(TOKENS.Metrics).toConstantValue(services.metrics);
  }

  /** Binds an open store (tests; the runtime binds it in its store module). */
  bindStore(store: Store): void {
    this.container.bind(TOKENS.Store).toConstantValue(store);
  }

  /** Creates the store; a failure is reported as `creating store "store" (sqlite): <cause>`. */
  createStore(definition: StoreDefinition, options: Record<string, unknown>, baseDir: string): Promise<Store> {
    return attributed('creating', 'store', 'store', definition.type, () => {
      // Created before the store exists, so its context has no state.
      const child = this.child('store', 'store', definition.type, options, baseDir);
      child.bind<StoreContext>(CONTEXT).toDynamicValue((ctx) => ({ ...serviceContext(ctx), id: 'store' }));
      child.bind<Store>(INSTANCE).toDynamicValue(async (ctx) => definition.create(ctx.get(TOKENS.ConnectorConfig) as never, ctx.get<StoreContext>(CONTEXT))).inSingletonScope();
      return child.getAsync<Store>(INSTANCE);
    });
  }

  /**
   * Creates one source, sink or transform instance with its context (the store bound first); a
   * failure is reported as `creating sink "crm" (webhook): <cause>`, the cause attached. `extras`
   * are added to the context (a sink's `delivery` settings).
   */
  async createConnector<D extends SourceDefinition | SinkDefinition | TransformDefinition>(
    id: string, definition: D, options: Record<string, unknown>, baseDir: string, extras: Partial<ConnectorContext> = {},
  ): Promise<InstanceOf<D>> {
    return (await this.hostConnector(id, definition, options, baseDir, extras)).instance;
  }

  /**
   * {@link createConnector}, keeping the child container: a source is started when it is resolved
   * (`starting source "pbx" (jambonz): <cause>` when that fails) and stopped when the child is
   * disposed; a sink is closed then.
   */
  async hostConnector<D extends SourceDefinition | SinkDefinition | TransformDefinition>(
    id: string, definition: D, options: Record<string, unknown>, baseDir: string, extras: Partial<ConnectorContext> = {},
  ): Promise<HostedConnector<InstanceOf<D>>> {
    const kind = definition.kind;
    const child = this.connectorChild(kind, id, definition.type, options, baseDir, extras);
    const create = (definition as AnyConnectorDefinition & { create(config: unknown, context: ConnectorContext): unknown }).create;
    child.bind<InstanceOf<D>>(INSTANCE)
      .toDynamicValue(async (ctx) => create(ctx.get(TOKENS.ConnectorConfig), await ctx.getAsync<ConnectorContext>(CONTEXT)) as InstanceOf<D>)
      .inSingletonScope();
    // Started as it is resolved, stopped (closed) as its container is unbound.
    child.onActivation<InstanceOf<D>>(INSTANCE, async (_ctx, instance) => {
      if (kind === 'source') await attributed('starting', kind, id, definition.type, () => (instance as Source).start?.());
      return instance;
    });
    child.onDeactivation<InstanceOf<D>>(INSTANCE, async (instance) => {
      if (kind === 'source') await (instance as Source).stop?.();
      if (kind === 'sink') await (instance as Sink).close?.();
    });
    const instance = await attributed('creating', kind, id, definition.type, () => child.getAsync<InstanceOf<D>>(INSTANCE));
    return { instance, container: child, dispose: () => child.unbindAll() };
  }

  /** The context of one source, sink or transform instance, resolved from its child container. */
  connectorContext(kind: ConnectorKind, id: string, type: string, config: unknown, baseDir: string): Promise<ConnectorContext> {
    return this.connectorChild(kind, id, type, config, baseDir, {}).getAsync<ConnectorContext>(CONTEXT);
  }

  /** A child container with a connector's id, config, logger, state (its namespace of the store) and context. */
  private connectorChild(kind: ConnectorKind, id: string, type: string, config: unknown, baseDir: string, extras: Partial<ConnectorContext>): Container {
    const child = this.child(kind, id, type, config, baseDir);
    child.bind(TOKENS.State).toDynamicValue(async (ctx) => (await ctx.getAsync<Store>(TOKENS.Store)).kv(`${kind}:${id}`)).inSingletonScope();
    child.bind<ConnectorContext>(CONTEXT).toDynamicValue(async (ctx) => ({
      ...serviceContext(ctx), state: await ctx.getAsync(TOKENS.State), ...extras,
    }));
    return child;
  }

  private child(kind: ConnectorKind, id: string, type: string, config: unknown, baseDir: string): Container {
    const child = new Container({ parent: this.container });
    // Resolved from the parent when the child is made: a logger rebound by an embedder is the one used.
    const logger = this.container.get<Logger>(TOKENS.Logger).child({ [kind]: id, connector: type });
    child.bind(TOKENS.Logger).toConstantValue(logger);
    child.bind(TOKENS.ConnectorId).toConstantValue(id);
    child.bind(TOKENS.ConnectorConfig).toConstantValue(config);
    child.bind(BASE_DIR).toConstantValue(baseDir);
    return child;
  }
}

/** The part of a connector's context every kind has, resolved in its child container. */
function serviceContext(ctx: ResolutionContext): Omit<ConnectorContext, 'state'> {
  return {
    id: ctx.get<string>(TOKENS.ConnectorId),
    logger: ctx.get<Logger>(TOKENS.Logger),
    clock: ctx.get<Clock>(TOKENS.Clock),
    http: ctx.get<HttpClient>(TOKENS.HttpClient),
    metrics: ctx.get<Registry>(TOKENS.Metrics),
    baseDir: ctx.get<string>(BASE_DIR),
  };
}
