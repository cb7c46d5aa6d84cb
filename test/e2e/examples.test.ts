import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, eventually, runCli, startCallrelay, topLevelFixtures, type CallrelayProcess } from '../support/callrelay-process.js';

/** Every example in examples/ runs here, as its README says. */
describe('examples', function () {
  this.timeout(90_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => { for (const c of cleanups.reverse()) await c().catch(() => undefined); });
  const tmp = (label: string) => mkdtempSync(path.join(tmpdir(), `callrelay-example-${label}-`));

  it('signed-webhooks: the receiver verifies every call outcome with standardwebhooks', async () => {
    const receiver = spawn(process.execPath, ['examples/signed-webhooks/receiver.mjs'], { cwd: REPO_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => receiver.kill());
    let out = '';
    receiver.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      receiver.stderr.on('data', (d: Buffer) => { err += d.toString(); const m = /listening on (\S+)/.exec(err); if (m) resolve(m[1]!); });
      receiver.once('exit', (code) => reject(new Error(`receiver exited ${code}: ${err}`)));
    });
    const dir = tmp('signed');
    const node: CallrelayProcess = await startCallrelay('examples/signed-webhooks/callrelay.yaml', { PORT: '0', RECEIVER_URL: url, CALLRELAY_DB: path.join(dir, 'db.sqlite'), LOG_LEVEL: 'warn' });
    cleanups.push(() => node.kill('SIGTERM'));
    const fixtures = topLevelFixtures('jambonz');
    const replay = await runCli(['replay', fixtures.dir, '--to', `${node.url}/hooks/jambonz`, '--basic', 'jambonz:quickstart', '--speed', '50']);
    expect(replay.code, replay.stdout).to.equal(0);
    const expected = fixtures.missed + fixtures.completed;
    const lines = await eventually(() => {
      const l = out.trim().split('\n').filter(Boolean).map((x) => JSON.parse(x) as { verified: boolean; type: string });
      return l.length >= expected ? l : undefined;
    }, 30_000, `${expected} verified call outcomes`);
    await new Promise((r) => setTimeout(r, 1000)); // an extra outcome would show up here
    const all = out.trim().split('\n').filter(Boolean).map((x) => JSON.parse(x) as { verified: boolean; type: string });
    expect(all.every((l) => l.verified)).to.equal(true);
    expect(all.filter((l) => l.type === 'missed')).to.have.length(fixtures.missed);
    expect(all.filter((l) => l.type === 'completed')).to.have.length(fixtures.completed);
  });
});
