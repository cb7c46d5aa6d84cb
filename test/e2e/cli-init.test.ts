import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { CLI, eventually, runCli, startNode, type CallrelayProcess } from '../support/callrelay-process.js';

/** The command as a user runs it (built CLI); what it generates for each platform and sink: packages/cli/test/init-project.test.ts. */
describe('callrelay init', function () {
  this.timeout(120_000);
  const root = mkdtempSync(path.join(tmpdir(), 'callrelay-init-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses to overwrite without --force, and replaces with it', async () => {
    const dir = path.join(root, 'force');
    expect((await runCli(['init', '--source', '3cx', '--sink', 'csv', '--dir', dir])).code).to.equal(0);
    expect(statSync(path.join(dir, '.env')).mode & 0o777, '.env is private').to.equal(0o600);
    writeFileSync(path.join(dir, 'callrelay.yaml'), '# mine\n');
    const refused = await runCli(['init', '--source', '3cx', '--sink', 'csv', '--dir', dir]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/not overwriting callrelay\.yaml.*--force/);
    expect(readFileSync(path.join(dir, 'callrelay.yaml'), 'utf8')).to.equal('# mine\n');
    expect((await runCli(['init', '--source', '3cx', '--sink', 'csv', '--dir', dir, '--force'])).code).to.equal(0);
    expect(readFileSync(path.join(dir, 'callrelay.yaml'), 'utf8')).to.include('type: 3cx');
  });

  it('asks for what is missing only in a terminal: without one, says which flag is required', async () => {
    const result = await runCli(['init', '--dir', path.join(root, 'no-tty')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('--source is required');
    expect(existsSync(path.join(root, 'no-tty', 'callrelay.yaml'))).to.equal(false);
    expect((await runCli(['init', '--source', 'asterisk', '--sink', 'csv', '--dir', path.join(root, 'no-tty')])).code).to.equal(2);
  });

  it('--env: a file that cannot be read is a usage error (exit 2), named', async () => {
    const missing = path.join(root, 'no-such.env');
    const result = await runCli(['validate', 'examples/quickstart/callrelay.yaml', '--env', missing]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`cannot read --env ${missing}`);
  });

  it('writes a pipeline test that callrelay test passes, and that fails when the pipeline stops sending missed calls', async () => {
    const dir = path.join(root, 'pipeline-test');
    expect((await runCli(['init', '--source', '3cx', '--sink', 'slack', '--dir', dir])).code).to.equal(0);
    const testFile = path.join(dir, 'callrelay.test.yaml');
    expect((await runCli(['validate', path.join(dir, 'callrelay.yaml'), '--env', path.join(dir, '.env')], { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX' })).code).to.equal(0);
    const passed = await runCli(['test', testFile]);
    expect(passed.code, passed.stdout + passed.stderr).to.equal(0);
    expect(passed.stdout).to.include('1 passed, 0 failed');
    // The test is about this pipeline: narrowed to answered calls, the alert is gone and the test says so.
    const pipeline = path.join(dir, 'callrelay.yaml');
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('type: missed', 'type: completed'));
    const failed = await runCli(['test', testFile]);
    expect(failed.code, failed.stdout + failed.stderr).to.equal(1);
    expect(failed.stdout).to.match(/callrelay\.test\.yaml:\d+:\d+: slack: count\n\s+- expected\n\s+\+ actual\n\s+- 1\n\s+\+ 0/);
  });

  describe('the printed next steps work as printed (jambonz -> csv)', () => {
    const dir = path.join(root, 'steps');
    let node: CallrelayProcess | undefined;
    after(async () => { await node?.kill('SIGTERM'); });

    it('runs, takes the printed curl line and the printed replay, and writes the rows', async function () {
      const init = await runCli(['init', '--source', 'jambonz', '--sink', 'csv', '--dir', dir]);
      expect(init.code).to.equal(0);
      node = await startNode([CLI, 'run', path.join(dir, 'callrelay.yaml'), '--env', path.join(dir, '.env')], { PORT: '0' });
      const port = new URL(node.url).port;
      const atPort = (line: string) => line.replace('127.0.0.1:8080', `127.0.0.1:${port}`);
      const curl = /^\s+(curl .*)$/m.exec(init.stdout)?.[1];
      expect(curl, init.stdout).to.be.a('string');
      const posted = await promisify(execFile)('/bin/sh', ['-c', `${atPort(curl!)} -s -o /dev/null -w '%{http_code}'`]).catch((err: Error) => err);
      if (posted instanceof Error) this.skip(); // no curl on this machine: the replay below still runs
      else expect(posted.stdout).to.equal('200');
      const replay = /replay (\S+) --to (\S+) (.*)$/m.exec(init.stdout);
      expect(replay, init.stdout).to.not.equal(null);
      const replayed = await runCli(['replay', replay![1]!, '--to', atPort(replay![2]!), ...replay![3]!.split(' '), '--speed', '50']);
      expect(replayed.code, replayed.stdout + replayed.stderr).to.equal(0);
      const csv = path.join(dir, 'data', 'calls.csv');
      const rows = await eventually(() => {
        const r = existsSync(csv) ? (parse(readFileSync(csv), { columns: true }) as Record<string, string>[]) : [];
        return r.some((row) => row.type === 'missed') ? r : undefined;
      }, 20_000, 'a missed row');
      expect(rows.filter((row) => row.type === 'missed')).to.have.length(1);
      expect(await node.kill('SIGTERM')).to.equal(0);
    });
  });
});
