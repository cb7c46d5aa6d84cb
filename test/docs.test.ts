import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { outdatedPages } from '../scripts/docs-reference.js';
import { outdatedCodeBlocks } from '../scripts/docs-code-blocks.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('docs', () => {
  it('every installed connector has a page whose config reference matches its schema (npm run docs)', async () => {
    expect(await outdatedPages(false)).to.deep.equal([]);
  });

  describe('code blocks that show a file (<!-- file: path -->)', () => {
    it('each equals its file, so the examples in the pages are the code the suite runs (npm run docs)', () => {
      expect(outdatedCodeBlocks(root, false)).to.deep.equal([]);
    });

    it('a block that differs from its file is reported with page, line and file, and npm run docs copies the file in', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'docs-blocks-'));
      try {
        mkdirSync(path.join(dir, 'docs'));
        writeFileSync(path.join(dir, 'example.ts'), 'export const a = 1;\nexport const b = 2;\n');
        const page = 'intro\n\n<!-- file: example.ts -->\n```ts\nexport const a = 1;\n```\n\n<!-- file: missing.ts -->\n```ts\n```\n';
        writeFileSync(path.join(dir, 'docs', 'page.md'), page);
        expect(outdatedCodeBlocks(dir, false)).to.deep.equal([
          'docs/page.md:3: the code block differs from example.ts (run npm run docs to copy the file into the page)',
          'docs/page.md:8: missing.ts does not exist',
        ]);
        outdatedCodeBlocks(dir, true);
        expect(readFileSync(path.join(dir, 'docs', 'page.md'), 'utf8')).to.equal(
          'intro\n\n<!-- file: example.ts -->\n```ts\nexport const a = 1;\nexport const b = 2;\n```\n\n<!-- file: missing.ts -->\n```ts\n```\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the example files shown in docs/plugins.md type-check against the built packages (tsc -p test/docs-examples)', async function () {
      this.timeout(60_000);
      const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
      const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'test/docs-examples'], { cwd: root })
        .then(() => '', (err: { stdout?: string }) => err.stdout ?? String(err));
      expect(result, 'tsc errors (run npm run build first: the types come from dist/)').to.equal('');
    });
  });
});
