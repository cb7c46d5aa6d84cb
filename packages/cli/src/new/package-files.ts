import { createRequire } from 'node:module';
import type { AnyConnectorDefinition } from '@callrelay/core';
import { connectorExampleYaml } from '@callrelay/core/connector-docs';
import type { GeneratedFile } from '../init/project.js';
import type { ScaffoldNames } from './names.js';

// The CLI's own manifest (dist/new/ and src/new/ are both two levels below it): the core and the
// testkit it was released with, which the new package builds and tests against.
const manifest = createRequire(import.meta.url)('../../package.json') as { version: string; dependencies: Record<string, string> };

/** The version of `@callrelay/core` (and of the testkit, released with it) this CLI runs. */
export const CORE_VERSION = manifest.dependencies['@callrelay/core']!;

/**
 * The development tools of a new package, at the versions the callrelay repository builds and tests
 * with (a test compares them with the repository's package.json).
 */
export const TOOL_VERSIONS = {
  '@types/chai': '^5.2.3',
  '@types/mocha': '^10.0.10',
  '@types/node': '^20.19.0',
  chai: '^6.0.0',
  mocha: '^12.0.0',
  typescript: '~5.9.3',
} as const;

function packageJson(names: ScaffoldNames, definition: AnyConnectorDefinition): string {
  return `${JSON.stringify({
    name: names.packageName,
    version: '0.1.0',
    description: definition.description,
    // How npm search and callrelay tell a plugin, and which kind it is (docs/plugins.md of callrelay).
    keywords: ['callrelay-plugin', `callrelay-${names.kind}`],
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20.19' },
    main: './dist/src/index.js',
    types: './dist/src/index.d.ts',
    exports: { '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' } },
    // The compiled connector and its page; its tests and the docs script stay out of the tarball.
    files: ['dist/src', 'docs', 'README.md'],
    scripts: {
      build: 'tsc -p .',
      test: "npm run build && mocha 'dist/test/**/*.test.js'",
      docs: 'npm run build && node dist/scripts/docs.js',
      prepack: 'npm run build',
    },
    // The host's core, not a copy of the package's own: callrelay loads the plugin next to it.
    peerDependencies: { '@callrelay/core': `^${CORE_VERSION}` },
    devDependencies: {
      '@callrelay/core': CORE_VERSION,
      '@callrelay/testkit': CORE_VERSION,
      ...TOOL_VERSIONS,
    },
  }, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node', 'mocha'],
    strict: true,
    noUncheckedIndexedAccess: true,
    declaration: true,
    sourceMap: true,
    outDir: 'dist',
    rootDir: '.',
  },
  include: ['src', 'test', 'scripts'],
}, null, 2)}\n`;

function docsScript(names: ScaffoldNames): string {
  return `/**
 * Writes docs/${names.type}.md from the connector's definition: the config reference from its schema
 * and an example pipeline from its \`example\` (\`npm run docs\`). The prose around the generated parts
 * (between their \`<!-- ... -->\` markers) is yours to edit; the test fails when the page is out of date.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkConnectorPage } from '@callrelay/testkit';
import definition from '../src/index.js';

// Compiled to dist/scripts/: the package is two levels up.
/** The connector's page. */
export const docsPage = fileURLToPath(new URL('../../docs/${names.type}.md', import.meta.url));
/** The package's name: what users put in \`type:\`. */
export const packageName = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string }).name;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkConnectorPage(docsPage, definition, { packageName, write: true });
  for (const problem of problems) console.error(problem);
  if (!problems.length) console.log(\`docs/${names.type}.md: generated from the definition\`);
  process.exitCode = problems.length ? 1 : 0;
}
`;
}

function readme(names: ScaffoldNames, definition: AnyConnectorDefinition): string {
  const files = names.kind === 'sink'
    ? '- `src/config.ts`: the config schema (validation, types, docs).\n- `src/body.ts`: what is posted for each event.\n- `src/index.ts`: the definition: `deliver` posts, the HTTP status decides the outcome.\n- `test/contract.test.ts`: the sink contract of `@callrelay/testkit` against a loopback receiver, and the docs check.'
    : '- `src/config.ts`: the config schema (validation, types, docs).\n- `src/mapping.ts`: a webhook body to a canonical call event.\n- `src/index.ts`: the definition: verification, parsing, signing for `callrelay replay --sign`.\n- `test/fixtures/`: recorded webhooks of whole calls.\n- `test/contract.test.ts`: the source contract of `@callrelay/testkit` over those fixtures, and the docs check.';
  return `# ${names.packageName}

A [callrelay](https://github.com/callrelay/callrelay) ${names.kind}. ${definition.description}
Reference: [docs/${names.type}.md](docs/${names.type}.md).

## Install

Next to \`@callrelay/cli\`, in the folder of your pipeline file:

\`\`\`sh
npm install ${names.packageName}
\`\`\`

## Config

Name it by its package in a pipeline file:

${connectorExampleYaml(definition, { packageName: names.packageName })}

Check the file with \`callrelay validate callrelay.yaml\`.

## Develop

\`\`\`sh
npm install
npm test        # builds, runs the contract of @callrelay/testkit, checks docs/${names.type}.md
npm run docs    # rewrites the generated parts of docs/${names.type}.md after a change of the schema
npm pack        # the tarball npm publish would upload
\`\`\`

${files}
`;
}

/** `package.json`, `tsconfig.json`, `.gitignore`, `README.md` and the docs script of a new package. */
export function packageFiles(names: ScaffoldNames, definition: AnyConnectorDefinition): GeneratedFile[] {
  return [
    { path: 'package.json', content: packageJson(names, definition) },
    { path: 'tsconfig.json', content: TSCONFIG },
    { path: '.gitignore', content: 'node_modules/\ndist/\n*.tgz\n' },
    { path: 'README.md', content: readme(names, definition) },
    { path: 'scripts/docs.ts', content: docsScript(names) },
  ];
}
