import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { CallEvent } from '../model/call-event.js';
import type { OutgoingWebhook, SignOptions, Source } from './source.js';
import type { Sink } from './sink.js';
import type { Store, KeyValueStore } from '../store/store.js';
import type { Clock, HttpClient } from './tokens.js';

/**
 * The plugin API version this core implements, a semver version. The plugin API is what
 * `@callrelay/core` exports; its checked-in report `packages/core/etc/core.api.md` (hash recorded in
 * `etc/plugin-api-version.json`) changes only with a new version: a minor for additions (a connector
 * built for 2.0 still loads in a 2.1 host), a major for anything that breaks a connector (a removal, a
 * changed signature or meaning). `npm run api` refuses a changed report without at least a minor bump.
 * A connector records the version it was built with and may declare the range it supports
 * ({@link ConnectorDefinition.pluginApi}); the host refuses a connector whose range excludes this version.
 */
export const PLUGIN_API_VERSION = '2.3.0';

/** What a connector is: a webhook source, a delivery sink, a pipeline transform, or the store. */
export type ConnectorKind = 'source' | 'sink' | 'transform' | 'store';

/** Any zod object schema; connector configs are objects so the core can add its own keys. */
export type ConfigSchema = z.ZodObject<z.ZodRawShape>;

/**
 * What a connector's factory receives: the core services, resolved from the host's inversify
 * container for this instance (never the container itself).
 */
export interface ConnectorContext {
  /** The instance id from the config file (`sources.<id>`, `sinks.<id>`). */
  id: string;
  /** pino logger bound to this instance (`{ connector, id }`), secrets redacted. */
  logger: Logger;
  /** The host's clock: read time from it so tests can control it. */
  clock: Clock;
  /** `fetch` with the host's defaults; make every HTTP request through it. */
  http: HttpClient;
  /** The process's prom-client registry, for the connector's own metrics. */
  metrics: Registry;
  /** Key-value state private to this instance, shared by every node on the same store. */
  state: KeyValueStore;
  /** The folder of the config file: resolve relative paths against it. */
  baseDir: string;
  /**
   * Sinks only: the sink's `delivery` settings, e.g. to size a connection pool to
   * `delivery.concurrency` (the requests in flight a user asked for).
   */
  delivery?: Readonly<{ concurrency: number; batchSize: number; timeoutMs: number; maxAttempts: number }>;
}

/**
 * What a `define*` function returns and a connector package exports: its kind, type, config schema
 * and factory. `I` is what the factory makes (a {@link Source}, {@link Sink}, {@link Transform}).
 */
export interface ConnectorDefinition<K extends ConnectorKind, S extends ConfigSchema, I> {
  /** Set by the `define*` function. */
  kind: K;
  /** Short type used in config (`jambonz`, `slack`). Kebab-case. */
  type: string;
  /** The {@link PLUGIN_API_VERSION} the connector was built with; set by the `define*` function. */
  apiVersion: string;
  /**
   * The plugin API versions the connector supports, a semver range (`'^2'`, `'>=2.1 <4'`). Default:
   * `^` of the version it was built with ({@link ConnectorDefinition.apiVersion}), i.e. that version and
   * later minors of the same major. The host refuses the connector when its version is outside.
   */
  pluginApi?: string;
  /** One line for `callrelay connectors` and the docs. */
  description: string;
  /** The one config schema: TS type, validation, JSON Schema, docs. Describe every field. */
  config: S;
  /** A config that validates, shown in docs and `callrelay connectors`. */
  example?: Record<string, unknown>;
  /**
   * Makes one instance from its validated config. A throw is reported by the host as
   * `creating <kind> "<id>" (<type>): <message>` with the error as `cause`.
   */
  create(config: z.output<S>, context: ConnectorContext): I | Promise<I>;
}

/** A webhook source connector, made with {@link defineSource}. */
export interface SourceDefinition<S extends ConfigSchema = ConfigSchema> extends ConnectorDefinition<'source', S, Source> {
  /** The canonical `platform` of its events. Defaults to `type`. */
  platform?: string;
  /**
   * Optional: the request completed with the credentials that an instance created from `config`
   * verifies (Basic auth, a token in the URL, a signature over URL and body, as the platform would
   * send them), so that `callrelay replay --sign` can drive a production-shaped config with recorded
   * webhooks. Return a new request; do not change the one given. Credentials that cannot be produced
   * (an IP allow-list) are left out: such a request is still refused. Each implementation should be
   * tested against its own `verify` (a round trip). `request.url` is the URL the request goes to;
   * a source that verifies against another URL (a `publicUrl` behind a proxy) signs that one.
   */
  sign?(request: OutgoingWebhook, config: z.output<S>, options: SignOptions): OutgoingWebhook;
}
/** A sink connector, made with {@link defineSink}. */
export type SinkDefinition<S extends ConfigSchema = ConfigSchema> = ConnectorDefinition<'sink', S, Sink>;

/** A pipeline step: returns the event to pass on (changed or not), or `null` to drop it. */
export interface Transform {
  /** Returns the event to pass on (it may change it in place), or `null` to drop it for this pipeline. */
  apply(event: CallEvent): CallEvent | null | Promise<CallEvent | null>;
}
/** A pipeline transform connector, made with {@link defineTransform}. */
export type TransformDefinition<S extends ConfigSchema = ConfigSchema> = ConnectorDefinition<'transform', S, Transform>;

/** Stores are created before anything else, so their context has no `state`. */
export type StoreContext = Omit<ConnectorContext, 'state'>;
/** A store connector (event log, queues, key-value state), made with {@link defineStore}. */
export interface StoreDefinition<S extends ConfigSchema = ConfigSchema> extends Omit<ConnectorDefinition<'store', S, Store>, 'create'> {
  /** Opens the store from its validated config; the host closes it last. */
  create(config: z.output<S>, context: StoreContext): Store | Promise<Store>;
}

/** A definition of any kind, as the host's registry holds them. */
export type AnyConnectorDefinition = SourceDefinition | SinkDefinition | TransformDefinition | StoreDefinition;

/** What a `define*` function takes: the definition without the `kind` and `apiVersion` it fills in. */
export type DefinitionInput<D> = Omit<D, 'kind' | 'apiVersion'>;

/** Defines a webhook source connector. Export the result as the package's default export. */
export function defineSource<S extends ConfigSchema>(definition: DefinitionInput<SourceDefinition<S>>): SourceDefinition<S> {
  return { ...definition, kind: 'source', apiVersion: PLUGIN_API_VERSION };
}
/** Defines a sink connector. Export the result as the package's default export. */
export function defineSink<S extends ConfigSchema>(definition: DefinitionInput<SinkDefinition<S>>): SinkDefinition<S> {
  return { ...definition, kind: 'sink', apiVersion: PLUGIN_API_VERSION };
}
/** Defines a transform usable in any pipeline's `transforms` list. */
export function defineTransform<S extends ConfigSchema>(definition: DefinitionInput<TransformDefinition<S>>): TransformDefinition<S> {
  return { ...definition, kind: 'transform', apiVersion: PLUGIN_API_VERSION };
}
/** Defines a store (event log, queues, dead letters, state). */
export function defineStore<S extends ConfigSchema>(definition: DefinitionInput<StoreDefinition<S>>): StoreDefinition<S> {
  return { ...definition, kind: 'store', apiVersion: PLUGIN_API_VERSION };
}
