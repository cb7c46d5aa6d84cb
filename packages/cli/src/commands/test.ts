import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { runTestFile } from '../pipeline-test/runner.js';

interface TestOptions {
  update?: boolean;
}

const TEST_FILE = /\.test\.ya?ml$/;

/** Test files under a folder (skipping node_modules and hidden folders), sorted. */
function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(full));
    else if (TEST_FILE.test(entry.name)) found.push(full);
  }
  return found.sort();
}

/**
 * `callrelay test [files...]`: runs pipeline test files (`*.test.yaml`; default: those under the
 * current folder) on the real runtime with a fake clock, an in-memory store and recording sinks.
 * Exit 0 when every case passes, 1 when one fails, 2 when a test file or its pipeline is unusable.
 */
export async function testCommand(targets: string[], options: TestOptions): Promise<void> {
  const files: string[] = [];
  for (const target of targets.length ? targets : ['.']) {
    let isDir: boolean;
    try {
      isDir = statSync(target).isDirectory();
    } catch {
      throw new CommandFailure(`no such file or folder: ${target}`, EXIT.USAGE);
    }
    files.push(...(isDir ? findTestFiles(target).map((f) => path.relative(process.cwd(), f) || f) : [target]));
  }
  if (!files.length) throw new CommandFailure(`no test files (*.test.yaml) under ${targets.join(', ') || 'the current folder'}; callrelay init writes one`, EXIT.USAGE);
  const registry = await bundledRegistry();
  let passed = 0;
  let failed = 0;
  let unusable = 0;
  const write = (text: string) => { process.stdout.write(text); };
  for (const file of files) {
    const outcome = await runTestFile(file, registry, { update: options.update ?? false, write });
    passed += outcome.passed;
    failed += outcome.failed;
    if (outcome.unusable) unusable++;
  }
  write(`\n${passed} passed, ${failed} failed${unusable ? `, ${unusable} file(s) unusable` : ''} (${files.length} file(s))\n`);
  if (unusable) throw new CommandFailure(`${unusable} test file(s) could not be run (see above)`, EXIT.USAGE);
  if (failed) throw new CommandFailure(`${failed} case(s) failed (see above)`, EXIT.FAILURE);
}
