import { Container } from 'inversify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import type { ConnectorContext, ConnectorKind, StoreContext } from './define.js';
import { TOKENS, type Clock, type HttpClient } from './tokens.js';

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
