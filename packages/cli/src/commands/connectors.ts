import { describeConfig as describeFields } from '@callrelay/core/host';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';

/** `callrelay connectors [type]`: installed connectors, and the config reference of one. */
export async function connectorsCommand(type: string | undefined, options: { json?: boolean }): Promise<void> {
  const registry = await bundledRegistry();
  const all = registry.list().sort((a, b) => a.kind.localeCompare(b.kind) || a.type.localeCompare(b.type));
  const selected = type ? all.filter((d) => d.type === type) : all;
  if (type && !selected.length) {
    throw new CommandFailure(`no connector "${type}"; installed: ${all.map((d) => `${d.type} (${d.kind})`).join(', ')}`, EXIT.USAGE);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(selected.map((d) => ({ kind: d.kind, type: d.type, description: d.description, fields: describeFields(d), example: d.example })), null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  for (const definition of selected) {
    out.push(`${definition.kind.padEnd(9)} ${definition.type.padEnd(12)} ${definition.description}`);
    if (!type) continue;
    for (const field of describeFields(definition)) {
      const flags = [field.required ? 'required' : 'optional', field.secret ? 'secret' : '', field.default !== undefined ? `default ${JSON.stringify(field.default)}` : ''].filter(Boolean).join(', ');
      out.push(`  ${field.key}: ${field.type.replace(/\\\|/g, '|')} (${flags})${field.description ? `\n      ${field.description}` : ''}`);
    }
    if (definition.example) out.push(`  example: ${JSON.stringify(definition.example)}`);
  }
  if (!type) out.push('', 'Run `callrelay connectors <type>` for the config reference of one connector.');
  process.stdout.write(`${out.join('\n')}\n`);
}
