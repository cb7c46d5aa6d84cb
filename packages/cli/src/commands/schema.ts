import { writeFile } from 'node:fs/promises';
import { configJsonSchema } from '@callrelay/core/host';
import { bundledRegistry } from '../bundled.js';

/** `callrelay schema [--out file]`: the JSON Schema of a config file, connectors included. */
export async function schemaCommand(options: { out?: string }): Promise<void> {
  const text = `${JSON.stringify(configJsonSchema(await bundledRegistry()), null, 2)}\n`;
  if (options.out) await writeFile(options.out, text);
  else process.stdout.write(text);
}
