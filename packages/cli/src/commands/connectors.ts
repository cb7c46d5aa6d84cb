import { describeConfig as describeFields, type RefusedPackage, type RegisteredConnector } from '@callrelay/core/host';
import { installedRegistry } from '../bundled.js';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';

/**
 * `callrelay connectors [type] [--dir folder]`: the bundled connectors and the connector packages
 * installed where `--dir` resolves packages, and the config reference of one. Packages that were
 * refused (plugin API range, failed to load) are listed on stderr with their error; the listing
 * itself still succeeds.
 */
export async function connectorsCommand(type: string | undefined, options: { json?: boolean; dir?: string }): Promise<void> {
  const { registry, refused } = await installedRegistry(options.dir ?? process.cwd());
  const all = registry.connectors().sort((a, b) => a.definition.kind.localeCompare(b.definition.kind) || a.configType.localeCompare(b.configType));
  const selected = type ? all.filter((c) => c.configType === type) : all;
  const refusedSelected = type ? refused.filter((r) => r.name === type) : refused;
  if (type && !selected.length) {
    const why = refusedSelected[0];
    if (why) throw new CommandFailure(`connector package ${why.name} is installed but cannot be used: ${why.error.message}`, EXIT.USAGE);
    throw new CommandFailure(`no connector "${type}"; installed: ${all.map((c) => `${c.configType} (${c.definition.kind})`).join(', ')}`, EXIT.USAGE);
  }
  if (options.json) {
    const items = [
      ...selected.map((c) => ({
        kind: c.definition.kind, type: c.configType, ...origin(c), description: c.definition.description,
        fields: describeFields(c.definition), example: c.definition.example,
      })),
      ...refusedSelected.map((r) => ({ type: r.name, origin: 'third-party', package: r.name, version: r.version, error: r.error })),
    ];
    process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  for (const connector of selected) {
    const { definition } = connector;
    const from = connector.package ? `  [third-party: ${connector.package.name}${connector.package.version ? `@${connector.package.version}` : ''}]` : '';
    out.push(`${definition.kind.padEnd(9)} ${connector.configType.padEnd(12)} ${definition.description}${from}`);
    if (!type) continue;
    for (const field of describeFields(definition)) {
      const flags = [field.required ? 'required' : 'optional', field.secret ? 'secret' : '', field.default !== undefined ? `default ${JSON.stringify(field.default)}` : ''].filter(Boolean).join(', ');
      out.push(`  ${field.key}: ${field.type.replace(/\\\|/g, '|')} (${flags})${field.description ? `\n      ${field.description}` : ''}`);
    }
    if (definition.example) out.push(`  example: ${JSON.stringify(definition.example)}`);
  }
  if (!type) out.push('', 'Run `callrelay connectors <type>` for the config reference of one connector.');
  process.stdout.write(`${out.join('\n')}\n`);
  for (const r of refusedSelected) process.stderr.write(`${refusedLine(r)}\n`);
}

function origin(connector: RegisteredConnector): { origin: 'bundled' | 'third-party'; package?: string; version?: string } {
  if (!connector.package) return { origin: 'bundled' };
  return { origin: 'third-party', package: connector.package.name, ...(connector.package.version ? { version: connector.package.version } : {}) };
}

/** One refused package, for stderr: its name, version, folder and why. */
export function refusedLine(r: RefusedPackage): string {
  return `refused: ${r.name}${r.version ? `@${r.version}` : ''} (${r.dir}): ${r.error.code}: ${r.error.message}`;
}
