import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { shellQuote } from '../init/project.js';
import { scaffoldNames, type ConnectorKindToScaffold } from '../new/names.js';
import { scaffoldFiles } from '../new/scaffold.js';

/** The file `npm pack` writes for version 0.1.0 (`@acme/x` -> `acme-x-0.1.0.tgz`). */
const tarballName = (packageName: string) => `${packageName.replace(/^@/, '').replace('/', '-')}-0.1.0.tgz`;

export interface NewOptions {
  dir?: string;
  package?: string;
  force?: boolean;
}

/**
 * `callrelay new source|sink <name>`: writes a connector package (definition, config schema,
 * contract test, docs page, README, manifest marking it a callrelay plugin) into `--dir`, which must
 * be empty or absent unless `--force`, and prints the next steps.
 */
export function newCommand(kind: ConnectorKindToScaffold) {
  return async (name: string, options: NewOptions): Promise<void> => {
    const names = scaffoldNames(kind, name, options.package);
    const given = options.dir ?? `callrelay-${kind}-${name}`;
    const dir = path.resolve(given);
    if (existsSync(dir) && readdirSync(dir).length && !options.force) {
      throw new CommandFailure(`${dir} is not empty: choose another folder with --dir, or use --force to write into it (files with the same names are replaced)`, EXIT.USAGE);
    }
    const files = scaffoldFiles(names);
    for (const file of files) {
      const target = path.join(dir, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    const steps = [
      `cd ${shellQuote(path.relative(process.cwd(), dir) || '.')}`,
      'npm install',
      `npm test (builds, runs the ${kind} contract of @callrelay/testkit, checks docs/${names.type}.md)`,
      `edit src/config.ts and src/${kind === 'sink' ? 'body' : 'mapping'}.ts, then npm run docs (rewrites the generated parts of docs/${names.type}.md) and npm test`,
      // A tarball, not the folder: a linked folder would bring its own development copy of @callrelay/core.
      `try it: npm pack, then in the folder of your pipeline file npm install ${shellQuote(path.join(dir, tarballName(names.packageName)))}; name it in callrelay.yaml with type: ${names.packageName} (docs/${names.type}.md shows an example) and run callrelay validate callrelay.yaml`,
      'publish: npm publish (npm pack first shows what goes in)',
    ];
    const lines = [
      `wrote ${kind} ${names.type} (package ${names.packageName}) in ${dir}: ${files.map((f) => f.path).join(', ')}`,
      '',
      'next:',
      ...steps.map((step, i) => `  ${i + 1}. ${step}`),
      '',
      'From an empty folder to a published connector: https://github.com/callrelay/callrelay/blob/main/docs/authoring.md',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  };
}
