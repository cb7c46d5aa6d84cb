import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { CallrelayError } from '../errors.js';
import { PLUGIN_API_VERSION, type AnyConnectorDefinition, type ConnectorKind, type SourceDefinition, type SinkDefinition, type TransformDefinition, type StoreDefinition } from './define.js';

/** The definition type of a connector kind. */
export type DefinitionOf<K extends ConnectorKind> = K extends 'source' ? SourceDefinition : K extends 'sink' ? SinkDefinition : K extends 'transform' ? TransformDefinition : StoreDefinition;

/** Whether a config `type` names an npm package rather than a short type. */
export function isPackageName(type: string): boolean {
  return type.startsWith('@') || type.includes('/') || type.startsWith('callrelay-');
}

/**
 * The connectors a host knows: the bundled ones registered up front by short type, and npm
 * packages loaded on demand when a config names them.
 */
export class ConnectorRegistry {
  private readonly byKey = new Map<string, AnyConnectorDefinition>();

  register(...definitions: AnyConnectorDefinition[]): this {
    for (const definition of definitions) {
      checkDefinition(definition, definition.type);
      this.byKey.set(`${definition.kind}:${definition.type}`, definition);
    }
    return this;
  }

  list(kind?: ConnectorKind): AnyConnectorDefinition[] {
    return [...this.byKey.values()].filter((d) => !kind || d.kind === kind);
  }

  /** Short types installed for a kind, for error messages. */
  installedTypes(kind: ConnectorKind): string[] {
    return this.list(kind).map((d) => d.type).sort();
  }

  /**
   * Finds a connector by short type or npm package name. Throws a `CONNECTOR_*` error that names the
   * connector and says what to do.
   */
  async resolve<K extends ConnectorKind>(kind: K, type: string, baseDir = process.cwd()): Promise<DefinitionOf<K>> {
    const known = this.byKey.get(`${kind}:${type}`);
    if (known) return known as DefinitionOf<K>;
    if (!isPackageName(type)) {
      const otherKind = this.list().find((d) => d.type === type);
      if (otherKind) {
        throw new CallrelayError('CONNECTOR_KIND_MISMATCH', `connector "${type}" is a ${otherKind.kind}, not a ${kind}`, { details: { type, kind } });
      }
      const installed = this.installedTypes(kind);
      throw new CallrelayError(
        'CONNECTOR_NOT_FOUND',
        `unknown ${kind} type "${type}"; installed ${kind}s: ${installed.join(', ') || '(none)'}. ` +
          `A third-party connector is named by its npm package name (e.g. @acme/callrelay-${kind}-x) after npm install.`,
        { details: { type, kind, installed } },
      );
    }
    const definition = await loadPackage(type, baseDir);
    checkDefinition(definition, type);
    if (definition.kind !== kind) {
      throw new CallrelayError('CONNECTOR_KIND_MISMATCH', `package ${type} exports a ${definition.kind} connector, not a ${kind}`, { details: { type, kind } });
    }
    this.byKey.set(`${kind}:${type}`, definition);
    return definition as DefinitionOf<K>;
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
