import { describe, it, after, before } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
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

  describe('--sign: a node whose sources verify signatures', () => {
    const signedDir = mkdtempSync(path.join(tmpdir(), 'callrelay-replay-signed-'));
    const config = path.join(signedDir, 'callrelay.yaml');
    const env = { JAMBONZ_WEBHOOK_SECRET: 'wh-secret-replay-1', SIGNALWIRE_SIGNING_KEY: 'PSK_replay_key_1', LOG_LEVEL: 'warn' };
    let signedNode: CallrelayProcess;
    before(async () => {
      writeFileSync(config, [
        // The unsigned replays below fail on purpose, from one address: no 429 after 20 of them.
        'server: { port: 0, authFailureLimit: false }', 'store: { type: sqlite, path: store.db }', 'tracker: { settleMs: 200 }',
        'sources:',
        '  jambonz: { type: jambonz, auth: { webhookSecret: "${JAMBONZ_WEBHOOK_SECRET}" } }',
        '  signalwire: { type: signalwire, auth: { signingKey: "${SIGNALWIRE_SIGNING_KEY}" } }',
        'sinks:', '  log: { type: csv, path: calls.csv, columns: [source, type, callId] }',
        'pipelines:', '  all: { from: [jambonz, signalwire], to: [log] }', '',
      ].join('\n'));
      signedNode = await startCallrelay(config, env);
    });
    after(() => signedNode?.kill('SIGTERM'));

    /** The platform's top-level fixtures; jambonz's GET query-string hooks left out: jambonz signs only a JSON body. */
    const fixturesOf = (platform: string) => {
      const fixtures = topLevelFixtures(platform);
      for (const entry of readdirSync(fixtures.dir)) {
        const fixture = JSON.parse(readFileSync(path.join(fixtures.dir, entry), 'utf8')) as { requests: { body?: string }[]; expectOutcomes?: { missed: number; completed: number } };
        if (fixture.requests.some((request) => request.body === undefined) && platform === 'jambonz') {
          rmSync(path.join(fixtures.dir, entry));
          fixtures.requests -= fixture.requests.length;
          fixtures.missed -= fixture.expectOutcomes?.missed ?? 0;
          fixtures.completed -= fixture.expectOutcomes?.completed ?? 0;
        }
      }
      return fixtures;
    };

    for (const platform of ['jambonz', 'signalwire']) {
      it(`${platform}: without --sign every request is refused with 401`, async () => {
        const fixtures = fixturesOf(platform);
        const result = await runCli(['replay', fixtures.dir, '--to', `${signedNode.url}/hooks/${platform}`, '--no-pacing'], env);
        expect(result.code).to.equal(1);
        expect(result.stdout).to.include(`${fixtures.requests} request(s) sent, ${fixtures.requests} not accepted`);
        expect(result.stdout.split('\n').filter((line) => /^ {2}\d{3} /.test(line)).every((line) => line.startsWith('  401 '))).to.equal(true);
      });

      it(`${platform}: with --config --source --sign every recorded request is accepted and the calls come out`, async () => {
        const fixtures = fixturesOf(platform);
        const result = await runCli(['replay', fixtures.dir, '--to', `${signedNode.url}/hooks/${platform}`, '--config', config, '--source', platform, '--sign', '--speed', '20'], env);
        expect(result.code, result.stdout + result.stderr).to.equal(0);
        expect(result.stdout).to.include(`${fixtures.requests} request(s) sent, 0 not accepted`);
        const csv = path.join(signedDir, 'calls.csv');
        const rows = (type: string) => (existsSync(csv) ? readFileSync(csv, 'utf8').split('\n').filter((l) => l.startsWith(`${platform},${type},`)).length : 0);
        await eventually(() => (rows('missed') === fixtures.missed && rows('completed') === fixtures.completed ? true : undefined), 20_000, `${fixtures.missed} missed and ${fixtures.completed} completed ${platform} rows`);
      });
    }

    it('--sign without --config, or without --source when the file has several, is a usage error', async () => {
      const usage = await runCli(['replay', 'jambonz/call-hook', '--to', `${signedNode.url}/hooks/jambonz`, '--sign']);
      expect(usage.code).to.equal(2);
      expect(usage.stderr).to.contain('--sign needs --config');
      const several = await runCli(['replay', 'jambonz/call-hook', '--config', config, '--sign'], env);
      expect(several.code).to.equal(2);
      expect(several.stderr).to.contain('--source is needed');
    });
  });
});
