import { describe, it, before } from 'mocha';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '@callrelay/store-sqlite';
import { contractEvent } from '@callrelay/testkit';
import type { DeadLetter } from '@callrelay/core';
import { CLI, REPO_ROOT, runCli } from '../support/callrelay-process.js';

const HEADER_SECRET = 'hdr-secret-98765';
const DAY = 86_400_000;

/** A config with a webhook sink whose URL carries credentials, and its store seeded with dead letters. */
async function setup(letters: (store: string) => DeadLetter[]): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-dlq-'));
  const config = path.join(dir, 'callrelay.yaml');
  writeFileSync(config, [
    'store: { type: sqlite, path: store.db }',
    'sinks:',
    '  crm:',
    '    type: webhook',
    '    url: "https://bob:hunter2@crm.example.com/hooks?apikey=k-123456"',
    `    headers: { x-api-key: "${HEADER_SECRET}" }`,
    '  log: { type: csv, path: calls.csv }',
    '',
  ].join('\n'));
  const store = await SqliteStore.open({ path: path.join(dir, 'store.db') });
  try {
    for (const letter of letters(dir)) await store.deadLetters.add(letter);
  } finally {
    await store.close();
  }
  return config;
}

function letter(id: string, sinkId: string, failedAt: number, reason = 'answered 500'): DeadLetter {
  return { id, sinkId, delivery: { sinkId, pipeline: 'p', event: contractEvent({ id: `ev-${id}` }) }, reason, attempts: 39, failedAt: new Date(failedAt).toISOString() };
}

const listIds = async (config: string) => {
  const result = await runCli(['dlq', 'list', config, '--json']);
  expect(result.code, result.stderr).to.equal(0);
  return (JSON.parse(result.stdout) as DeadLetter[]).map((l) => l.id).sort();
};

describe('callrelay dlq (built CLI)', function () {
  this.timeout(60_000);
  const now = Date.now();
  let config: string;
  before(async () => {
    config = await setup(() => [
      letter('crm-old', 'crm', now - 40 * DAY, 'posting to crm.example.com: Request cannot be constructed from a URL that includes credentials: https://bob:hunter2@crm.example.com/hooks?apikey=k-123456'),
      letter('crm-new', 'crm', now - DAY, `the receiver answered 401: bad x-api-key ${HEADER_SECRET}`),
      letter('log-old', 'log', now - 40 * DAY, 'EACCES: permission denied'),
      letter('log-new', 'log', now - DAY, 'EACCES: permission denied'),
    ]);
  });

  it('dlq list no longer prints a sink URL\'s user:password@ and apikey, nor the config\'s secrets', async () => {
    for (const args of [[], ['--json']]) {
      const result = await runCli(['dlq', 'list', config, ...args]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include('https://[redacted]@crm.example.com/hooks?apikey=[redacted]');
      expect(result.stdout).to.include('bad x-api-key [redacted]');
      for (const secret of ['hunter2', 'k-123456', HEADER_SECRET]) expect(result.stdout, `${args.join(' ')}: ${secret}`).to.not.include(secret);
    }
  });

  it('dlq purge without --yes lists what it would delete, deletes nothing and exits 2; --dry-run exits 0', async () => {
    const unconfirmed = await runCli(['dlq', 'purge', config, '--before', '30d']);
    expect(unconfirmed.code).to.equal(2);
    expect(unconfirmed.stdout).to.include('would purge 2 dead letter(s)');
    expect(unconfirmed.stdout).to.include('crm-old').and.include('log-old').and.not.include('crm-new');
    expect(unconfirmed.stdout).to.not.include('hunter2');
    expect(unconfirmed.stderr).to.include('nothing deleted: run again with --yes');
    const dry = await runCli(['dlq', 'purge', config, '--sink', 'crm', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include('would purge 2 dead letter(s)').and.include('dry run: nothing deleted');
    expect(await listIds(config)).to.deep.equal(['crm-new', 'crm-old', 'log-new', 'log-old']);
  });

  it('dlq purge refuses to guess: no selector, a bad --before, or --yes with --dry-run is a usage error', async () => {
    for (const args of [[], ['--before', 'last week'], ['--before', '2026-13-45'], ['--all', '--yes', '--dry-run']]) {
      const result = await runCli(['dlq', 'purge', config, ...args]);
      expect(result.code, args.join(' ')).to.equal(2);
    }
    expect(await listIds(config)).to.have.length(4);
  });

  it('dlq purge --yes deletes exactly the selection: one sink, failed before a date or an age', async () => {
    const purged = await runCli(['dlq', 'purge', config, '--sink', 'crm', '--before', '30d', '--yes']);
    expect(purged.code, purged.stderr).to.equal(0);
    expect(purged.stdout).to.include('purged crm-old (sink crm').and.include('1 dead letter(s) purged');
    expect(await listIds(config)).to.deep.equal(['crm-new', 'log-new', 'log-old']);
    const byDate = await runCli(['dlq', 'purge', config, '--before', new Date(now - 10 * DAY).toISOString().slice(0, 10), '--yes']);
    expect(byDate.code, byDate.stderr).to.equal(0);
    expect(await listIds(config)).to.deep.equal(['crm-new', 'log-new']);
  });

  it('dlq purge of ids deletes those found and exits 1 naming the others; --all --yes empties the list', async () => {
    const byId = await runCli(['dlq', 'purge', config, 'log-new', 'no-such-id', '--yes']);
    expect(byId.code).to.equal(1);
    expect(byId.stderr).to.include('not found: no-such-id');
    expect(await listIds(config)).to.deep.equal(['crm-new']);
    const all = await runCli(['dlq', 'purge', config, '--all', '--yes']);
    expect(all.code, all.stderr).to.equal(0);
    expect((await runCli(['dlq', 'list', config])).stdout).to.match(/no dead letters/);
    const none = await runCli(['dlq', 'purge', config, '--all', '--yes']);
    expect(none.code).to.equal(0);
    expect(none.stdout).to.include('0 dead letter(s) purged');
  });

  it('dlq list | head no longer crashes on EPIPE: it exits quietly when its stdout is closed early', async () => {
    const many = await setup(() => Array.from({ length: 3000 }, (_, i) => letter(`letter-${String(i).padStart(4, '0')}`, 'log', now - DAY, 'EACCES: permission denied, open calls.csv')));
    const child = spawn(process.execPath, [CLI, 'dlq', 'list', many], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // Like `head -1`: read the first chunk, then close the pipe while the command is still writing.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
