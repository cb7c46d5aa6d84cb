import { stat } from 'node:fs/promises';
import { errorMessage, type AnyConnectorDefinition } from '@callrelay/core';
import { ConnectorRegistry, registerBuiltins, type RefusedPackage } from '@callrelay/core/host';
import { CommandFailure } from './config-file.js';
import { EXIT } from './exit-codes.js';

/** The connector packages that ship with the callrelay command. */
export const BUNDLED_PACKAGES = [
  '@callrelay/store-sqlite',
  '@callrelay/bus-nats',
  '@callrelay/source-jambonz',
  '@callrelay/source-signalwire',
  '@callrelay/source-impactpbx',
  '@callrelay/source-3cx',
  '@callrelay/sink-csv',
  '@callrelay/sink-webhook',
  '@callrelay/sink-slack',
  '@callrelay/sink-hubspot',
] as const;

/**
 * A registry with the core's built-ins and every bundled connector. A bundled package that fails to
 * load is reported and left out, so one broken connector does not stop pipelines that don't use it.
 */
export async function bundledRegistry(warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<ConnectorRegistry> {
  const registry = registerBuiltins(new ConnectorRegistry());
  const loaded = await Promise.all(BUNDLED_PACKAGES.map(async (name) => {
    try {
      // A package may ship more than one connector (`definitions`: sink-hubspot's transform beside its sink).
      const mod = (await import(name)) as { default?: AnyConnectorDefinition; definitions?: AnyConnectorDefinition[] };
      if (!mod.default) throw new Error('no default export');
      return mod.definitions ?? [mod.default];
    } catch (err) {
      warn(`warning: bundled connector ${name} failed to load: ${errorMessage(err)}`);
      return undefined;
    }
  }));
  for (const definitions of loaded) if (definitions) registry.register(...definitions);
  return registry;
}

/**
 * The bundled registry plus the connector packages installed where `dir` resolves packages (each
 * under its package name, see `ConnectorRegistry.discover`), and those that were refused.
 */
export async function installedRegistry(dir: string, warn?: (message: string) => void): Promise<{ registry: ConnectorRegistry; refused: RefusedPackage[] }> {
  // A mistyped --dir would otherwise list the bundled connectors only, as if nothing were installed.
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new CommandFailure(`--dir ${dir}: no such folder (the folder whose node_modules hold the connector packages, usually the pipeline file's)`, EXIT.USAGE);
  }
  const registry = await bundledRegistry(warn);
  const { refused } = await registry.discover(dir);
  return { registry, refused };
}
