/**
 * The YAML examples of a connector's page (docs/connectors/<type>.md) checked against the
 * connector's schema: every entry of that connector in the page's ```yaml blocks (under `sources`,
 * `sinks`, `store` or a pipeline's `transforms`, by its `type`) must validate, and there must be at least
 * one. Pages show fragments of a file (a sink without the source it takes from), so each entry is
 * checked on its own, as `connectorExampleProblems` checks a definition's `example`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { connectorExampleProblems } from '@callrelay/core/host';
import type { AnyConnectorDefinition } from '@callrelay/core';

const YAML_BLOCK = /^```yaml\n([\s\S]*?)^```/gm;

export function pageExampleProblems(page: string, name: string, definition: AnyConnectorDefinition): string[] {
  const problems: string[] = [];
  const entries: Record<string, unknown>[] = [];
  for (const [, block] of readFileSync(page, 'utf8').matchAll(YAML_BLOCK)) {
    let doc: unknown;
    try {
      doc = parse(block!);
    } catch (err) {
      problems.push(`${name}: a yaml block does not parse: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    entries.push(...entriesOf(doc, definition));
  }
  if (!entries.length) problems.push(`${name}: no yaml example with a ${definition.kind} of type ${definition.type}`);
  for (const entry of entries) {
    problems.push(...connectorExampleProblems({ ...definition, example: entry }).map((p) => `${name}: ${p}`));
  }
  return problems;
}

function entriesOf(doc: unknown, definition: AnyConnectorDefinition): Record<string, unknown>[] {
  if (!isObject(doc)) return [];
  const candidates: unknown[] = [];
  if (definition.kind === 'source' && isObject(doc.sources)) candidates.push(...Object.values(doc.sources));
  if (definition.kind === 'sink' && isObject(doc.sinks)) candidates.push(...Object.values(doc.sinks));
  if (definition.kind === 'store') candidates.push(doc.store);
  if (definition.kind === 'transform') {
    // A pipeline's `transforms`, or a fragment that shows the list alone.
    if (Array.isArray(doc.transforms)) candidates.push(...doc.transforms);
    if (isObject(doc.pipelines)) {
      for (const pipeline of Object.values(doc.pipelines)) if (isObject(pipeline) && Array.isArray(pipeline.transforms)) candidates.push(...pipeline.transforms);
    }
  }
  return candidates.filter((c): c is Record<string, unknown> => isObject(c) && c.type === definition.type);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
