import { writeFile } from 'node:fs/promises';
import { configJsonSchema } from '@callrelay/core/host';
import { installedRegistry } from '../bundled.js';
import { refusedLine } from './connectors.js';

/**
 * `callrelay schema [--out file] [--dir folder]`: the JSON Schema of a config file, with the bundled
 * connectors and those installed where `--dir` resolves packages (their `type` is the package name).
 */
export async function schemaCommand(options: { out?: string; dir?: string }): Promise<void> {
  const { registry, refused } = await installedRegistry(options.dir ?? process.cwd());
  for (const r of refused) process.stderr.write(`${refusedLine(r)}\n`);
  const text = `${JSON.stringify(configJsonSchema(registry), null, 2)}\n`;
  if (options.out) await writeFile(options.out, text);
  else process.stdout.write(text);
}
