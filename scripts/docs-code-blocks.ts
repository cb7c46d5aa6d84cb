/**
 * Keeps the code blocks of the docs that show a file of the repository equal to that file, so that
 * an example in a page is the code the test suite runs and cannot drift from it. A block is marked
 * by a comment on the line before its fence:
 *
 *   <!-- file: test/docs-examples/acme-source.ts -->
 *   ```ts
 *   ...the whole file...
 *   ```
 *
 * `npm run docs` rewrites the blocks from the files; `test/docs.test.ts` fails while one differs.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MARKER = /^<!-- file: (\S+) -->$/;
const FENCE = /^(`{3,}|~{3,})/;

/** Markdown files under `docs/`, recursively, as paths relative to `root`. */
function docPages(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.md')) out.push(relative);
    }
  };
  walk('docs');
  return out.sort();
}

/**
 * The marked code blocks of the docs that differ from their files (rewritten when `write`), as
 * messages naming the page, its line and the file. A marker without a fence after it, or naming a
 * file that does not exist, is always reported.
 */
export function outdatedCodeBlocks(root: string, write: boolean, pages: readonly string[] = docPages(root)): string[] {
  const problems: string[] = [];
  for (const page of pages) {
    const lines = readFileSync(path.join(root, page), 'utf8').split('\n');
    let changed = false;
    for (let i = 0; i < lines.length; i++) {
      const marker = MARKER.exec(lines[i]!);
      if (!marker) continue;
      const file = marker[1]!;
      const where = `${page}:${i + 1}`;
      const fence = FENCE.exec(lines[i + 1] ?? '');
      if (!fence) { problems.push(`${where}: <!-- file: ${file} --> must be followed by a code fence`); continue; }
      const close = lines.findIndex((line, j) => j > i + 1 && line.startsWith(fence[1]!) && line.trim() === fence[1]);
      if (close < 0) { problems.push(`${where}: the code block of ${file} is not closed`); continue; }
      if (!existsSync(path.join(root, file))) { problems.push(`${where}: ${file} does not exist`); continue; }
      const content = readFileSync(path.join(root, file), 'utf8').replace(/\n$/, '').split('\n');
      const shown = lines.slice(i + 2, close);
      if (shown.join('\n') === content.join('\n')) continue;
      if (write) {
        lines.splice(i + 2, close - (i + 2), ...content);
        changed = true;
      } else {
        problems.push(`${where}: the code block differs from ${file} (run npm run docs to copy the file into the page)`);
      }
    }
    if (changed) writeFileSync(path.join(root, page), lines.join('\n'));
  }
  return problems;
}
