import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AnyConnectorDefinition } from '@callrelay/core';
import {
  CONFIG_EXAMPLE_MARKERS, CONFIG_REFERENCE_MARKERS, configReferenceMarkdown, connectorExampleProblems, connectorExampleYaml, connectorPage,
  replaceGeneratedPart, type ConnectorPageOptions,
} from '@callrelay/core/connector-docs';

// The page itself is made by the core (the CLI's `callrelay new` writes the first one without the testkit).
export { connectorPage, connectorExampleYaml, connectorExampleProblems, type ConnectorPageOptions } from '@callrelay/core/connector-docs';

/** What {@link checkConnectorPage} does besides checking. */
export interface CheckConnectorPageOptions extends ConnectorPageOptions {
  /** Rewrite the generated parts (or write the whole page when there is none) instead of reporting them. */
  write?: boolean;
}

/**
 * Checks a connector's documentation page against its definition: the config reference table and
 * the example pipeline between their markers (see `connectorPage`) must be what the schema and the
 * `example` give now, and the example must validate against the schema. Returns the problems, each
 * a sentence naming the file; none when the page is current. With `write`, rewrites the generated
 * parts (the prose around them stays) or writes the whole page when the file does not exist, and
 * returns only what writing cannot fix (an example that does not validate, missing markers).
 */
export function checkConnectorPage(file: string, definition: AnyConnectorDefinition, options: CheckConnectorPageOptions = {}): string[] {
  const problems = connectorExampleProblems(definition);
  if (!existsSync(file)) {
    if (!options.write) return [...problems, `${file}: no page (write it with { write: true })`];
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, connectorPage(definition, options));
    return problems;
  }
  let text = readFileSync(file, 'utf8');
  const parts = [
    { markers: CONFIG_REFERENCE_MARKERS, content: configReferenceMarkdown(definition), what: 'config reference' },
    { markers: CONFIG_EXAMPLE_MARKERS, content: connectorExampleYaml(definition, options), what: 'example' },
  ];
  let changed = false;
  for (const part of parts) {
    const updated = replaceGeneratedPart(text, part.markers, part.content);
    if (updated === undefined) problems.push(`${file}: no ${part.markers.start} ... ${part.markers.end} markers`);
    else if (updated !== text) {
      if (!options.write) problems.push(`${file}: ${part.what} out of date (regenerate the page)`);
      text = updated;
      changed = true;
    }
  }
  if (changed && options.write) writeFileSync(file, text);
  return problems;
}
