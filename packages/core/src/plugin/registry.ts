import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { CallrelayError, errorMessage } from '../errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import { findPluginPackages } from './discovery.js';
import { PLUGIN_API_VERSION, type AnyConnectorDefinition, type ConnectorKind, type SourceDefinition, type SinkDefinition, type TransformDefinition, type StoreDefinition } from './define.js';

/** The definition type of a connector kind. */
export type DefinitionOf<K extends ConnectorKind> = K extends 'source' ? SourceDefinition : K extends 'sink' ? SinkDefinition : K extends 'transform' ? TransformDefinition : StoreDefinition;

/** Whether a config `type` names an npm package rather than a short type. */
export function isPackageName(type: string): boolean {
  return type.startsWith('@') || type.includes('/') || type.startsWith('callrelay-');
}

/** A connector the registry knows, under the name a config uses for it. */
export interface RegisteredConnector {
  /**
   * What a config's `type` says to use it: the short type of a registered (bundled) connector
   * (`slack`), the package name of one loaded from npm (`callrelay-sink-teams`).
   */
  configType: string;
  definition: AnyConnectorDefinition;
  /** The npm package it was loaded from by name; unset for registered connectors. */
  package?: { name: string; version?: string };
}

/** An installed connector package that could not be used: it failed to load or was refused. */
export interface RefusedPackage {
  name: string;
  version?: string;
  /** The folder it is installed in. */
  dir: string;
  /** Why: a `CONNECTOR_*` code (`CONNECTOR_API_MISMATCH`, `CONNECTOR_LOAD_FAILED`...) and its message. */
  error: { code: string; message: string };
}

/** What {@link ConnectorRegistry.discover} found. */
export interface DiscoveryResult {
  /** Installed packages now registered under their package name. */
  loaded: RegisteredConnector[];
  /** Installed packages that could not be registered, each with its error. */
  refused: RefusedPackage[];
}

/**
 * The connectors a host knows: the bundled ones registered up front by short type, and npm
 * packages, registered under their package name when a config names them or when
 * {@link ConnectorRegistry.discover} finds them installed.
 */
export class ConnectorRegistry {
  private readonly byKey = new Map<string, RegisteredConnector>();
  /** One discovery per folder: a config with several unknown types scans node_modules once. */
  private readonly discoveries = new Map<string, Promise<DiscoveryResult>>();

  register(...definitions: AnyConnectorDefinition[]): this {
    for (const definition of definitions) {
      checkDefinition(definition, definition.type);
      this.byKey.set(`${definition.kind}:${definition.type}`, { configType: definition.type, definition });
    }
    return this;
  }

  list(kind?: ConnectorKind): AnyConnectorDefinition[] {
    return this.connectors(kind).map((c) => c.definition);
  }

  /** The connectors known for a kind (or all), each with the `type` a config names it by. */
  connectors(kind?: ConnectorKind): RegisteredConnector[] {
    return [...this.byKey.values()].filter((c) => !kind || c.definition.kind === kind);
  }

  /** Config types installed for a kind (short types and package names), for error messages. */
  installedTypes(kind: ConnectorKind): string[] {
    return this.connectors(kind).map((c) => c.configType).sort();
  }

  /**
   * Finds the connector packages installed where `baseDir` resolves packages
   * ({@link findPluginPackages}: keyword `callrelay-plugin`, `node_modules` up to the root) and
   * registers each under its package name. One that fails to load, or whose plugin API range
   * excludes this host, is returned in `refused` with its error instead of throwing: it must not
   * hide the others. Repeated calls for a folder return the first result.
   */
  discover(baseDir = process.cwd()): Promise<DiscoveryResult> {
    const dir = path.resolve(baseDir);
    let discovery = this.discoveries.get(dir);
    if (!discovery) {
      discovery = this.discoverIn(dir);
      this.discoveries.set(dir, discovery);
    }
    return discovery;
  }

  private async discoverIn(baseDir: string): Promise<DiscoveryResult> {
    const result: DiscoveryResult = { loaded: [], refused: [] };
    for (const installed of await findPluginPackages(baseDir)) {
      const known = this.connectors().find((c) => c.package?.name === installed.name);
      if (known) {
        // Loaded earlier because a config named it: now its version is known too.
        if (installed.version) known.package = { name: installed.name, version: installed.version };
        result.loaded.push(known);
        continue;
      }
      try {
        const definition = await loadPackage(installed.name, baseDir);
        checkDefinition(definition, installed.name);
        const entry: RegisteredConnector = { configType: installed.name, definition, package: { name: installed.name, ...(installed.version ? { version: installed.version } : {}) } };
        this.byKey.set(`${definition.kind}:${installed.name}`, entry);
        result.loaded.push(entry);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        result.refused.push({
          name: installed.name, dir: installed.dir, ...(installed.version ? { version: installed.version } : {}),
          error: { code: typeof code === 'string' ? code : 'CONNECTOR_LOAD_FAILED', message: errorMessage(err) },
        });
      }
    }
    return result;
  }

  /**
   * Finds a connector by short type or npm package name. Throws a `CONNECTOR_*` error that names the
   * connector and says what to do.
   */
  async resolve<K extends ConnectorKind>(kind: K, type: string, baseDir = process.cwd()): Promise<DefinitionOf<K>> {
    const known = this.byKey.get(`${kind}:${type}`);
    if (known) return known.definition as DefinitionOf<K>;
    if (!isPackageName(type)) {
      const otherKind = this.connectors().find((c) => c.configType === type);
      if (otherKind) {
        throw new CallrelayError('CONNECTOR_KIND_MISMATCH', `connector "${type}" is a ${otherKind.definition.kind}, not a ${kind}`, { details: { type, kind } });
      }
      // Only on this path: an installed package with an unprefixed name (`teams-alerts`) is found
      // here, and the error lists the installed packages as well.
      await this.discover(baseDir);
      const discovered = this.connectors().find((c) => c.configType === type);
      if (discovered?.definition.kind === kind) return discovered.definition as DefinitionOf<K>;
      if (discovered) {
        throw new CallrelayError('CONNECTOR_KIND_MISMATCH', `package ${type} exports a ${discovered.definition.kind} connector, not a ${kind}`, { details: { type, kind } });
      }
      const packaged = this.connectors(kind).find((c) => c.package && c.definition.type === type);
      if (packaged) {
        throw new CallrelayError(
          'CONNECTOR_NOT_FOUND',
          `unknown ${kind} type "${type}"; the installed package ${packaged.configType} provides a ${kind} "${type}": write type: ${packaged.configType}`,
          { details: { type, kind, installed: this.installedTypes(kind) } },
        );
      }
      const installed = this.installedTypes(kind);
      throw new CallrelayError(
        'CONNECTOR_NOT_FOUND',
        `unknown ${kind} type "${type}"; installed ${kind}s: ${installed.join(', ') || '(none)'}. ` +
          `A third-party connector is named by its npm package name (e.g. @acme/callrelay-${kind}-x) after npm install.`,
        { details: { type, kind, installed } },
      );
    }
    const definition = await loadPackage(type, baseDir).catch(async (err: unknown) => {
      throw await this.withInstalledSuggestion(err, kind, type, baseDir);
    });
    checkDefinition(definition, type);
    if (definition.kind !== kind) {
      throw new CallrelayError('CONNECTOR_KIND_MISMATCH', `package ${type} exports a ${definition.kind} connector, not a ${kind}`, { details: { type, kind } });
    }
    this.byKey.set(`${kind}:${type}`, { configType: type, definition, package: { name: type } });
    return definition as DefinitionOf<K>;
  }
  /** A package that is not installed may be a typo of one that is (`callrelay-sink-team`): say which. */
  private async withInstalledSuggestion(err: unknown, kind: ConnectorKind, type: string, baseDir: string): Promise<unknown> {
    if (!(err instanceof CallrelayError) || err.code !== 'CONNECTOR_NOT_FOUND') return err;
    await this.discover(baseDir);
    const suggestion = didYouMean(type, this.installedTypes(kind));
    return suggestion ? new CallrelayError('CONNECTOR_NOT_FOUND', `${err.message} (${suggestion} it is installed)`, { cause: err.cause, details: err.details }) : err;
  }
}

async function loadPackage(name: string, baseDir: string): Promise<AnyConnectorDefinition> {
  let specifier: string = name;
  try {
    specifier = pathToFileURL(createRequire(path.join(baseDir, 'callrelay.config')).resolve(name)).href;
  } catch {
    // Not resolvable from the config's folder (or ESM-only exports): let import() search from here.
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CallrelayError('CONNECTOR_NOT_FOUND', `connector package ${name} is not installed; run: npm install ${name}`, { cause: err, details: { type: name } });
    }
    throw new CallrelayError('CONNECTOR_LOAD_FAILED', `loading connector package ${name}: ${(err as Error).message}`, { cause: err, details: { type: name } });
  }
  const candidate = (module.default ?? module.connector) as AnyConnectorDefinition | undefined;
  if (!candidate || typeof candidate !== 'object' || !('kind' in candidate)) {
    throw new CallrelayError('CONNECTOR_INVALID', `package ${name} does not export a callrelay connector (expected a default export made with defineSource/defineSink/defineTransform/defineStore)`, { details: { type: name } });
  }
  return candidate;
}

/** The range of plugin API versions a definition supports: declared, else `^` of the version it was built with. */
export function supportedRange(definition: Pick<AnyConnectorDefinition, 'apiVersion' | 'pluginApi'>): string {
  if (definition.pluginApi !== undefined) return definition.pluginApi;
  // Connectors built before versions were semver recorded an integer (the major).
  const built = typeof definition.apiVersion === 'number' ? `${String(definition.apiVersion)}.0.0` : definition.apiVersion;
  return `^${built}`;
}

function checkDefinition(definition: AnyConnectorDefinition, name: string): void {
  // `name` is the package name for npm connectors, the short type for bundled ones.
  const label = name === definition.type ? `connector "${name}" (${definition.kind})` : `connector ${name} (${definition.kind} "${definition.type}")`;
  const range = supportedRange(definition);
  if (typeof range !== 'string' || semver.validRange(range) === null) {
    throw new CallrelayError('CONNECTOR_INVALID', `${label} declares pluginApi ${JSON.stringify(range)}, which is not a semver range (e.g. "^2")`, { details: { type: name, pluginApi: range } });
  }
  if (!semver.satisfies(PLUGIN_API_VERSION, range)) {
    // Which side is behind decides what to upgrade.
    const hostNewer = semver.gtr(PLUGIN_API_VERSION, range);
    const upgrade = hostNewer
      ? `upgrade ${name} to a release that supports plugin API ${semver.major(PLUGIN_API_VERSION)}.x (or use a callrelay release whose plugin API is ${range})`
      : `upgrade callrelay to a release whose plugin API satisfies ${range}`;
    throw new CallrelayError(
      'CONNECTOR_API_MISMATCH',
      `${label} supports plugin API ${range}, this callrelay implements plugin API ${PLUGIN_API_VERSION}; ${upgrade}`,
      { details: { type: name, kind: definition.kind, pluginApi: range, hostPluginApi: PLUGIN_API_VERSION } },
    );
  }
  if (typeof definition.create !== 'function' || typeof definition.type !== 'string' || !definition.config) {
    throw new CallrelayError('CONNECTOR_INVALID', `connector ${name} is missing type, config or create`, { details: { type: name } });
  }
}
