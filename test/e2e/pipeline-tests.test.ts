import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/callrelay-process.js';

const EXAMPLES = path.resolve(import.meta.dirname, '..', '..', 'examples');
/** Every example that has a pipeline file ships a pipeline test next to it. */
const examples = readdirSync(EXAMPLES).filter((name) => existsSync(path.join(EXAMPLES, name, 'callrelay.yaml'))).sort();

/** `callrelay test` as a user runs it (built CLI) on the examples' own test files. */
describe('callrelay test: the examples\' pipeline tests', function () {
  this.timeout(120_000);
  const scratch = mkdtempSync(path.join(tmpdir(), 'callrelay-pipetest-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const example of examples) {
    it(`examples/${example}: callrelay.test.yaml passes`, async () => {
      const testFile = path.join(EXAMPLES, example, 'callrelay.test.yaml');
      expect(existsSync(testFile), `examples/${example} has no callrelay.test.yaml`).to.equal(true);
      const result = await runCli(['test', testFile]);
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/\d+ passed, 0 failed/);
      expect(result.stdout).not.to.include('✗');
    });
  }

  it('fails (exit 1) when an expectation is changed, printing expected and actual with the test file and line', async () => {
    const dir = path.join(scratch, 'changed');
    cpSync(path.join(EXAMPLES, 'missed-calls-to-slack'), dir, { recursive: true });
    const file = path.join(dir, 'callrelay.test.yaml');
    const original = readFileSync(file, 'utf8');
    const changed = original.replace('text: "Missed call from Jane Roe,', 'text: "Missed call from John Doe,');
    expect(changed).not.to.equal(original);
    writeFileSync(file, changed);
    const line = changed.split('\n').findIndex((l) => l.includes('John Doe')) + 1;

    const result = await runCli(['test', file]);
    expect(result.code, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.include('✗ a jambonz caller who hangs up while ringing is one missed-call alert');
    expect(result.stdout).to.match(new RegExp(`callrelay\\.test\\.yaml:${line}:\\d+: slack: text of message 1`));
    expect(result.stdout).to.include('- Missed call from John Doe, +1 212 555 1212');
    expect(result.stdout).to.include('+ Missed call from Jane Roe, +1 212 555 1212');
    expect(result.stdout).to.match(/3 passed, 1 failed/);
  });

  it('a wrong count names what the sink received; a snapshot that no longer matches fails until --update', async () => {
    const dir = path.join(scratch, 'count');
    cpSync(path.join(EXAMPLES, 'missed-calls-to-slack'), dir, { recursive: true });
    const file = path.join(dir, 'callrelay.test.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      slack:\n        count: 1\n        fields: { type: missed, platform: 3cx }', '      slack:\n        count: 2\n        fields: { type: missed, platform: 3cx }'));
    const snapshots = path.join(dir, '__snapshots__', 'callrelay.test.yaml.snap.yaml');
    writeFileSync(snapshots, readFileSync(snapshots, 'utf8').replace('*Called*', '*Dialled*'));

    const failed = await runCli(['test', file]);
    expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
    expect(failed.stdout).to.match(/slack: count\n\s+- expected\n\s+\+ actual\n\s+- 2\n\s+\+ 1\n\s+\(received: missed \(pipeline missed-calls\)\)/);
    expect(failed.stdout).to.match(/slack: snapshot[\s\S]*- {7,}\*Dialled\*[\s\S]*\+ {7,}\*Called\*/);

    const updated = await runCli(['test', file, '--update']);
    expect(updated.stdout).to.include('snapshots written');
    expect(readFileSync(snapshots, 'utf8')).to.include('*Called*');
    const again = await runCli(['test', file]);
    expect(again.stdout).not.to.match(/slack: snapshot/);
    expect(again.stdout).to.match(/slack: count/);
  });

  it('a test file that does not follow the format, or whose pipeline does not load, exits 2 with the line', async () => {
    const dir = path.join(scratch, 'bad');
    cpSync(path.join(EXAMPLES, 'quickstart'), dir, { recursive: true });
    const file = path.join(dir, 'callrelay.test.yaml');
    writeFileSync(file, 'pipeline: callrelay.yaml\ncases:\n  - name: x\n    expect:\n      calls-csv: { cout: 1 }\n');
    const bad = await runCli(['test', file]);
    expect(bad.code, bad.stdout + bad.stderr).to.equal(2);
    expect(bad.stdout).to.match(/callrelay\.test\.yaml:5:\d+: cases\.0\.expect\.calls-csv: Unrecognized key: "cout"/);

    writeFileSync(file, 'pipeline: missing.yaml\ncases:\n  - name: x\n');
    const missing = await runCli(['test', file]);
    expect(missing.code).to.equal(2);
    expect(missing.stdout).to.match(/callrelay\.test\.yaml:1:\d+: the pipeline file .*missing\.yaml does not load/);
  });
});
