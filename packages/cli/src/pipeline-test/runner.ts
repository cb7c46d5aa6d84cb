import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { diffLines } from 'diff';
import { stringify, parse } from 'yaml';
import { errorMessage } from '@callrelay/core';
import { ConfigError, formatIssue, loadConfig, type ConnectorRegistry } from '@callrelay/core/host';
import { CaseError, runCase } from './harness.js';
import { checkSink, snapshotOf, type Mismatch } from './expectations.js';
import { loadTestFile, TestFileError, type LoadedTestFile } from './spec.js';

/** The outcome of one test file. */
export interface FileOutcome {
  passed: number;
  failed: number;
  /** The file or its pipeline could not be used (exit code 2). */
  unusable: boolean;
}

/** Where `--update` writes and the `snapshot` expectations read: `__snapshots__/<test file>.snap.yaml`. */
export function snapshotPath(testFile: string): string {
  return path.join(path.dirname(testFile), '__snapshots__', `${path.basename(testFile)}.snap.yaml`);
}

/** Runs every case of one test file, printing each result; failures show expected and actual with the file and line. */
export async function runTestFile(file: string, registry: ConnectorRegistry, options: { update: boolean; write: (text: string) => void }): Promise<FileOutcome> {
  const { write } = options;
  let loaded: LoadedTestFile;
  try {
    loaded = loadTestFile(file);
  } catch (err) {
    write(`${file}\n  ${err instanceof TestFileError ? err.message : errorMessage(err)}\n`);
    return { passed: 0, failed: 0, unusable: true };
  }
  const { spec } = loaded;
  const pipelineFile = path.resolve(loaded.dir, spec.pipeline);
  let config;
  try {
    config = await loadConfig(pipelineFile, registry, spec.env);
  } catch (err) {
    const detail = err instanceof ConfigError ? err.issues.map((i) => `    ${formatIssue(i)}`).join('\n') : `    ${errorMessage(err)}`;
    write(`${file}\n  ${loaded.where(['pipeline'])}: the pipeline file ${path.relative(process.cwd(), pipelineFile)} does not load:\n${detail}\n`);
    return { passed: 0, failed: 0, unusable: true };
  }
  const snapFile = snapshotPath(file);
  const stored = existsSync(snapFile) ? ((parse(readFileSync(snapFile, 'utf8')) ?? {}) as Record<string, unknown>) : {};
  const recorded: Record<string, unknown> = {};
  write(`${file}\n`);
  let passed = 0;
  let failed = 0;
  for (const [index, testCase] of spec.cases.entries()) {
    const mismatches: Mismatch[] = [];
    let problem: { where: string; message: string } | undefined;
    try {
      const result = await runCase(config, testCase, index, spec.start, loaded.dir);
      for (const [sinkId, expectation] of Object.entries(testCase.expect)) {
        const at = ['cases', index, 'expect', sinkId];
        const delivered = result.get(sinkId);
        if (!delivered) {
          problem = { where: loaded.where(at), message: `no sink "${sinkId}" in ${spec.pipeline} (sinks: ${[...result.keys()].join(', ')})` };
          break;
        }
        const key = `${testCase.name} › ${sinkId}`;
        if (expectation.snapshot) {
          const types = expectation.type === undefined ? undefined : [expectation.type].flat();
          recorded[key] = snapshotOf(types ? delivered.filter((d) => types.includes(d.event.type)) : delivered);
        }
        mismatches.push(...checkSink(sinkId, expectation, delivered, at, { stored: stored[key], update: options.update }));
      }
    } catch (err) {
      problem = { where: loaded.where(err instanceof CaseError ? err.pathInFile : ['cases', index]), message: errorMessage(err) };
    }
    if (!problem && !mismatches.length) {
      passed++;
      write(`  ✓ ${testCase.name}\n`);
      continue;
    }
    failed++;
    write(`  ✗ ${testCase.name}\n`);
    if (problem) write(`    ${problem.where}: ${problem.message}\n`);
    for (const mismatch of mismatches) write(formatMismatch(mismatch, loaded));
  }
  if (options.update && Object.keys(recorded).length) {
    mkdirSync(path.dirname(snapFile), { recursive: true });
    writeFileSync(snapFile, `# Written by callrelay test --update: what the sinks rendered, per case and sink. Review changes like code.\n${stringify(recorded, { lineWidth: 0 })}`);
    write(`  snapshots written to ${path.relative(process.cwd(), snapFile)}\n`);
  }
  return { passed, failed, unusable: false };
}

/** An expectation that failed: where, then expected (-) and actual (+) line by line. */
function formatMismatch(mismatch: Mismatch, loaded: LoadedTestFile): string {
  const lines = [`    ${loaded.where(mismatch.pathInFile)}: ${mismatch.what}`, '      - expected', '      + actual'];
  const expected = asText(mismatch.expected);
  const actual = asText(mismatch.actual);
  for (const part of diffLines(expected, actual)) {
    const mark = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) lines.push(`      ${mark} ${line}`);
  }
  if (mismatch.hint) lines.push(`      (${mismatch.hint})`);
  return `${lines.join('\n')}\n`;
}

function asText(value: unknown): string {
  const text = typeof value === 'string' ? value : stringify(value, { lineWidth: 0 });
  return text.endsWith('\n') ? text : `${text}\n`;
}
