import { bundledRegistry } from '../bundled.js';
import { loadConfigOrFail } from '../config-file.js';

/** `callrelay validate <config>`: exit 0 and a summary, or every error and exit 2. */
export async function validateCommand(file: string): Promise<void> {
  const config = await loadConfigOrFail(file, await bundledRegistry());
  process.stdout.write(
    `${file} is valid: ${config.sources.length} source(s), ${config.sinks.length} sink(s), ${config.pipelines.length} pipeline(s), store ${config.store.definition.type}\n`,
  );
}
