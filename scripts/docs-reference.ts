/**
 * Regenerates the config reference tables in docs/connectors/<type>.md from the connectors' own
 * schemas (between `<!-- config-reference:start -->` and `<!-- config-reference:end -->`), those of
 * the core's own sections in docs/configuration.md from the core's schema (between
 * `<!-- config-reference:<section>:start -->` and `<!-- config-reference:<section>:end -->`), and the
 * truth table of docs/calls.md from the tagged fixtures of @callrelay/fixtures (between
 * `<!-- truth-table:start -->` and `<!-- truth-table:end -->`), and the code blocks marked
 * `<!-- file: <path> -->` from those files (scripts/docs-code-blocks.ts).
 *   npm run docs            # rewrite
 *   npm run docs -- --check # exit 1 when a page is out of date (run by the test suite)
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CONFIG_REFERENCE_MARKERS, configReferenceMarkdown, connectorExampleProblems, coreSectionReferenceMarkdown, replaceGeneratedPart, type CoreConfigSection,
} from '@callrelay/core/host';
import { loadFixtures, truthTableMarkdown } from '@callrelay/fixtures';
import { bundledRegistry } from '@callrelay/cli';
import { outdatedCodeBlocks } from './docs-code-blocks.js';
import { pageExampleProblems } from './docs-page-examples.js';
import teamsSink from '../examples/teams-sink/src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The core's sections whose tables docs/configuration.md shows. */
const CORE_SECTIONS: readonly CoreConfigSection[] = ['delivery', 'server', 'tracker', 'backlog'];

export async function outdatedPages(write: boolean): Promise<string[]> {
  const registry = await bundledRegistry(() => undefined);
  const problems: string[] = [];
  for (const definition of [...registry.list(), teamsSink]) {
    // Each connector's `example` (shown by `callrelay connectors <type>` and the pages) must be a valid entry.
    problems.push(...connectorExampleProblems(definition));
  }
  for (const definition of registry.list()) {
    const page = path.join(root, 'docs', 'connectors', `${definition.type}.md`);
    if (!existsSync(page)) { problems.push(`${definition.kind} ${definition.type}: no page docs/connectors/${definition.type}.md`); continue; }
    problems.push(...replaceBetween(page, CONFIG_REFERENCE_MARKERS.start, CONFIG_REFERENCE_MARKERS.end, configReferenceMarkdown(definition), write));
    problems.push(...pageExampleProblems(page, `docs/connectors/${definition.type}.md`, definition));
  }
  // The third-party example documents itself the same way, from its own schema.
  problems.push(...replaceBetween(path.join(root, 'examples', 'teams-sink', 'README.md'), CONFIG_REFERENCE_MARKERS.start, CONFIG_REFERENCE_MARKERS.end, configReferenceMarkdown(teamsSink), write));
  for (const section of CORE_SECTIONS) {
    problems.push(...replaceBetween(
      path.join(root, 'docs', 'configuration.md'), `<!-- config-reference:${section}:start -->`, `<!-- config-reference:${section}:end -->`,
      coreSectionReferenceMarkdown(section), write,
    ));
  }
  problems.push(...replaceBetween(
    path.join(root, 'docs', 'calls.md'), '<!-- truth-table:start -->', '<!-- truth-table:end -->',
    truthTableMarkdown(loadFixtures().filter((f) => f.truthTable)), write,
  ));
  // Code blocks marked `<!-- file: path -->` show that file of the repository (scripts/docs-code-blocks.ts).
  problems.push(...outdatedCodeBlocks(root, write));
  return problems;
}

/** Rewrites (or checks) the generated part of a page between two markers. */
function replaceBetween(page: string, start: string, end: string, content: string, write: boolean): string[] {
  const name = path.relative(root, page);
  const text = readFileSync(page, 'utf8');
  // The same code as a plugin's page (connectorPage, checkConnectorPage of @callrelay/testkit).
  const updated = replaceGeneratedPart(text, { start, end }, content);
  if (updated === undefined) return [`${name}: no ${start} ... ${end} markers`];
  if (updated === text) return [];
  if (write) writeFileSync(page, updated);
  return write ? [] : [`${name}: generated part out of date (run npm run docs)`];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const check = process.argv.includes('--check');
  const problems = await outdatedPages(!check);
  for (const p of problems) console.error(p);
  process.exitCode = problems.length ? 1 : 0;
}
