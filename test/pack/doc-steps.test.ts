import { describe, it } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/callrelay-process.js';
import { docSteps } from './doc-steps.js';

/** The reading of docs/authoring.md that the pack test runs (install-from-tarballs.test.ts). */
describe('docSteps: the runnable blocks of a document', () => {
  it('keeps `sh step` and `file=` blocks in order, with their lines, and leaves the others to readers', () => {
    const steps = docSteps(['# Title', '', '```sh', 'npm install @callrelay/cli', '```', '', '```sh step', 'npm test', 'npm run docs', '```',
      '```ts file=src/a.ts', 'export const a = 1;', '```', '```text', 'output', '```'].join('\n'));
    expect(steps).to.deep.equal([
      { kind: 'sh', script: 'npm test\nnpm run docs', line: 7 },
      { kind: 'file', path: 'src/a.ts', content: 'export const a = 1;\n', line: 11 },
    ]);
  });

  it('docs/authoring.md: generate, install and test, the edit, docs, a pipeline and its test, publish', () => {
    const steps = docSteps(readFileSync(path.join(REPO_ROOT, 'docs', 'authoring.md'), 'utf8'));
    const outline = steps.map((s) => (s.kind === 'file' ? `file ${s.path}` : s.script.split('\n')[0]));
    expect(outline).to.deep.equal([
      'cd my-callrelay',
      'npm install',
      'file src/config.ts',
      'file src/body.ts',
      'npm run docs',
      'npm pack',
      "npx callrelay connectors | grep -F '[third-party: callrelay-sink-acme@0.1.0]'",
      'file callrelay.yaml',
      'file callrelay.test.yaml',
      'JAMBONZ_PASSWORD=change-me ACME_TOKEN=change-me npx callrelay validate callrelay.yaml',
      `sed 's/"#front-desk"/front-desk/' callrelay.yaml > typo.yaml`,
      'cd ../callrelay-sink-acme',
    ]);
  });
});
