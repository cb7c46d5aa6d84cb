import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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

function checkDefinition(definition: AnyConnectorDefinition, name: string): void {
  if (definition.apiVersion !== PLUGIN_API_VERSION) {
    throw new CallrelayError(
      'CONNECTOR_API_MISMATCH',
      `connector ${name} was built for plugin API version ${String(definition.apiVersion)}, this callrelay implements version ${PLUGIN_API_VERSION}; ` +
        `install a release of ${name} built for @callrelay/core with plugin API ${PLUGIN_API_VERSION}`,
      { details: { type: name, apiVersion: definition.apiVersion } },
    );
  }
  if (typeof definition.create !== 'function' || typeof definition.type !== 'string' || !definition.config) {
    throw new CallrelayError('CONNECTOR_INVALID', `connector ${name} is missing type, config or create`, { details: { type: name } });
  }
}
