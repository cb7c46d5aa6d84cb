import { describe, it } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { settleDelivery, type CallEvent } from '@callrelay/core';
import { contractEvent, runSinkContract, testContext } from '@callrelay/testkit';
import csv from '@callrelay/sink-csv';

const dir = () => mkdtempSync(path.join(tmpdir(), 'callrelay-csv-'));
const ctx = (baseDir: string, now = () => Date.now()) => testContext({ baseDir, clock: { now } });
const delivery = { deliveryId: 'd', attempt: 1, pipeline: 'p', signal: new AbortController().signal };
const read = (file: string) => parse(readFileSync(file), { columns: true }) as Record<string, string>[];

const event = (overrides: Partial<CallEvent> = {}): CallEvent => contractEvent({
  type: 'missed', from: { raw: '2125551212', e164: '+12125551212', name: 'Doe, "Johnny"\nJr' }, agent: { raw: '101', extension: '101' },
  occurredAt: '2026-11-24T13:03:05.000Z', ...overrides,
});

describe('csv sink', () => {
  it('writes RFC 4180 rows that parse back, with the header once across restarts', async () => {
    const base = dir();
    const first = await csv.create(csv.config.parse({ path: 'calls.csv' }), ctx(base));
    await first.deliver(event(), delivery);
    const second = await csv.create(csv.config.parse({ path: 'calls.csv' }), ctx(base));
    await second.deliver(event({ type: 'completed' }), delivery);
    const rows = read(path.join(base, 'calls.csv'));
    expect(rows.map((r) => r.type)).to.deep.equal(['missed', 'completed']);
    expect(rows[0]!.fromName).to.equal('Doe, "Johnny"\nJr');
    expect(rows[0]!.from).to.equal('+12125551212');
    expect(rows[0]!.agent).to.equal('101');
    expect(readFileSync(path.join(base, 'calls.csv'), 'utf8').match(/occurredAt/g)).to.have.length(1);
  });

  it('writes chosen columns, nested paths and timestamps in the configured time zone', async () => {
    const base = dir();
    const sink = await csv.create(csv.config.parse({
      path: 'c.csv', timeZone: 'Europe/Berlin', columns: ['occurredAt', { header: 'caller', field: 'from.e164' }, 'call.rang', 'details.mos'],
    }), ctx(base));
    await sink.deliver(event({ call: { legs: [], rang: ['101', '102'], transfers: 0, recordingUrls: [], eventCount: 3 }, details: { mos: 4.3 } }), delivery);
    const [row] = read(path.join(base, 'c.csv'));
    expect(row).to.deep.equal({ occurredAt: '2026-11-24 14:03:05+01:00', caller: '+12125551212', 'call.rang': '101;102', 'details.mos': '4.3' });
  });

  it('does not append to a file whose header differs; it starts the next file', async () => {
    const base = dir();
    writeFileSync(path.join(base, 'c.csv'), 'old,header\r\n1,2\r\n');
    const sink = await csv.create(csv.config.parse({ path: 'c.csv', columns: ['type'] }), ctx(base));
    await sink.deliver(event(), delivery);
    expect(readFileSync(path.join(base, 'c.csv'), 'utf8')).to.equal('old,header\r\n1,2\r\n');
    expect(read(path.join(base, 'c.1.csv'))).to.deep.equal([{ type: 'missed' }]);
  });

  it('rotates by day (in the time zone) and by size', async () => {
    const base = dir();
    let now = Date.parse('2026-11-24T22:30:00Z');
    const sink = await csv.create(csv.config.parse({ path: 'calls-{date}.csv', timeZone: 'America/New_York', rotate: { every: 'day', maxBytes: 1024 } }), ctx(base, () => now));
    await sink.deliver(event(), delivery);
    now = Date.parse('2026-11-25T05:30:00Z');
    await sink.deliver(event(), delivery);
    for (let i = 0; i < 12; i++) await sink.deliver(event(), delivery);
    const files = readdirSync(base).sort();
    expect(files[0]).to.equal('calls-2026-11-24.csv');
    expect(files).to.include('calls-2026-11-25.csv').and.include('calls-2026-11-25.1.csv');
    const total = files.filter((f) => f.startsWith('calls-2026-11-25')).reduce((n, f) => n + read(path.join(base, f)).length, 0);
    expect(total).to.equal(13);
  });

  it('never interleaves rows written concurrently', async () => {
    const base = dir();
    const sink = await csv.create(csv.config.parse({ path: 'c.csv', fsync: false }), ctx(base));
    await Promise.all(Array.from({ length: 200 }, () => sink.deliver(event(), delivery)));
    const rows = read(path.join(base, 'c.csv'));
    expect(rows).to.have.length(200);
    expect(new Set(rows.map((r) => r.id)).size).to.equal(200);
  });

  it('turns a write error into a retryable failure', async () => {
    const base = dir();
    mkdirSync(path.join(base, 'c.csv'));
    const sink = await csv.create(csv.config.parse({ path: 'c.csv' }), ctx(base));
    const outcome = await settleDelivery(() => sink.deliver(event(), delivery));
    expect(outcome.status).to.equal('retry');
    expect((outcome as { reason: string }).reason).to.match(/EISDIR/);
  });

  it('rejects an unknown time zone in config', () => {
    expect(csv.config.safeParse({ path: 'x.csv', timeZone: 'Mars/Olympus' }).success).to.equal(false);
  });
});

{
  const base = dir();
  const file = path.join(base, 'contract.csv');
  runSinkContract('csv', {
    create: async () => csv.create(csv.config.parse({ path: 'contract.csv' }), ctx(base)),
    setBehaviour: () => undefined,
    received: () => (existsSync(file) ? read(file).length : 0),
    unsupported: {
      retryable: 'covered above ("turns a write error into a retryable failure"): a file cannot be broken per request',
      permanent: 'a file system error may always be fixed by an operator, so the CSV sink never fails permanently',
      retryAfter: 'a file has no Retry-After',
    },
  });
}
