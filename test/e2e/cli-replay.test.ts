import { describe, it, after, before } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, runCli, startCallrelay, topLevelFixtures, type CallrelayProcess } from '../support/callrelay-process.js';

describe('callrelay replay', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-replay-'));
  let node: CallrelayProcess;
  before(async () => {
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }', 'store: { type: sqlite, path: store.db }', 'tracker: { settleMs: 200 }',
      'sources:', '  jambonz: { type: jambonz, auth: { basic: { username: u, password: p } } }',
      'sinks:', '  log: { type: csv, path: calls.csv, columns: [type, callId] }',
      'pipelines:', '  all: { from: [jambonz], to: [log] }', '',
    ].join('\n'));
    node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
  });
  after(() => node?.kill('SIGTERM'));

  it('posts a folder of recorded webhooks with their content types and credentials', async () => {
    const fixtures = topLevelFixtures('jambonz');
    const result = await runCli(['replay', fixtures.dir, '--to', `${node.url}/hooks/jambonz`, '--basic', 'u:p', '--speed', '20']);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include(`${fixtures.requests} request(s) sent, 0 not accepted`);
    const csv = path.join(dir, 'calls.csv');
    const rows = (type: string) => (existsSync(csv) ? readFileSync(csv, 'utf8').split('\n').filter((l) => l.startsWith(type)).length : 0);
    // Calls settle one by one: wait for both counts (a loaded machine settles the completed ones later).
    const settled = () => rows('missed') === fixtures.missed && rows('completed') === fixtures.completed;
    await eventually(() => (settled() ? true : undefined), 20_000, `${fixtures.missed} missed and ${fixtures.completed} completed rows`).catch(() => undefined);
    expect({ missed: rows('missed'), completed: rows('completed') }).to.deep.equal({ missed: fixtures.missed, completed: fixtures.completed });
  });

  it('reports refused requests and exits 1; a bad URL is a usage error', async () => {
    const refused = await runCli(['replay', 'packages/fixtures/webhooks/jambonz/call-hook.json', '--to', `${node.url}/hooks/jambonz`, '--no-pacing']);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.match(/401/);
    expect((await runCli(['replay', 'packages/fixtures/webhooks/jambonz', '--to', 'not a url'])).code).to.equal(2);
    expect((await runCli(['replay', 'no/such/folder', '--to', 'http://127.0.0.1:1/'])).code).to.equal(2);
  });
});
