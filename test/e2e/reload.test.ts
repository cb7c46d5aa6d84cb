import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

/** SIGHUP reloads the pipeline file of a running `callrelay run` (built CLI). */
describe('reload on SIGHUP', function () {
  this.timeout(90_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-reload-'));
  const file = path.join(dir, 'callrelay.yaml');
  const csv = (id: string) => path.join(dir, `${id}.csv`);
  const write = (sinks: string[], extra: string[] = []) => writeFileSync(file, [
    'server: { port: 0 }', 'store: { type: sqlite, path: store.db }', 'tracker: { enabled: false }', ...extra,
    'sources:', '  pbx: { type: jambonz, auth: none }',
    'sinks:', ...sinks.map((id) => `  ${id}: { type: csv, path: "${csv(id)}", columns: [id, type, callId] }`),
    'pipelines:', `  all: { from: [pbx], to: [${sinks.join(', ')}] }`, '',
  ].join('\n'));
  let node: CallrelayProcess;
  after(async () => { await node?.kill('SIGTERM'); });

  const post = async (sid: string) => {
    const response = await fetch(`${node.url}/hooks/pbx`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ call_sid: sid, call_status: 'ringing' }) });
    expect(response.status).to.equal(200);
  };
  const rows = (id: string) => (existsSync(csv(id)) ? readFileSync(csv(id), 'utf8') : '');
  const arrives = (id: string, sid: string) => eventually(() => (rows(id).includes(sid) ? true : undefined), 20_000, `${sid} in ${id}.csv`);
  /** Sends SIGHUP and waits for the log line that says how it ended (the n-th such line). */
  const hangUp = async (pattern: RegExp) => {
    const before = node.stdout().split('\n').filter((l) => pattern.test(l)).length;
    node.child.kill('SIGHUP');
    await eventually(() => (node.stdout().split('\n').filter((l) => pattern.test(l)).length > before ? true : undefined), 20_000, `a log line ${pattern}`);
  };

  it('a broken file is refused with every error logged, and the old configuration keeps running', async () => {
    write(['a']);
    node = await startCallrelay(file, { LOG_LEVEL: 'info' });
    await post('before-reload');
    await arrives('a', 'before-reload');

    writeFileSync(file, readFileSync(file, 'utf8').replace('to: [a]', 'to: [a, nope]').replace('type: jambonz', 'type: jambonzz'));
    await hangUp(/still running the previous configuration/);
    const refused = node.stdout().split('\n').filter((l) => l.includes('reload refused'));
    expect(refused.join('\n')).to.include('pipelines.all.to').and.to.include('nope');
    expect(refused.join('\n')).to.include('sources.pbx.type');
    await post('after-broken-reload');
    await arrives('a', 'after-broken-reload');
  });

  it('a valid change is applied: a new sink gets the next event, the kept sink goes on', async () => {
    write(['a', 'b']);
    await hangUp(/configuration reloaded/);
    await post('after-reload');
    await arrives('b', 'after-reload');
    await arrives('a', 'after-reload');
    // Only what came after the reload reached the new sink.
    expect(rows('b')).to.not.include('before-reload');
  });

  it('a change of the store is refused: it needs a restart', async () => {
    writeFileSync(file, readFileSync(file, 'utf8').replace('path: store.db', 'path: other.db'));
    await hangUp(/reload refused: changing store needs a restart/);
    await post('after-store-change');
    await arrives('b', 'after-store-change');
    expect(existsSync(path.join(dir, 'other.db'))).to.equal(false);
  });
});
