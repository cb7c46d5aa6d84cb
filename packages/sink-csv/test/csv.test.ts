import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { settleDelivery, type CallEvent, type DeliveryContext, type DeliveryOutcome, type Sink } from '@callrelay/core';
import { runSinkContract, sampleEvent, testContext } from '@callrelay/testkit';
import csv, { DEFAULT_COLUMNS } from '@callrelay/sink-csv';

const folders: string[] = [];
const folder = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-csv-'));
  folders.push(dir);
  return dir;
};
after(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }); });

const create = (baseDir: string, config: Record<string, unknown>, now?: () => number): Sink =>
  csv.create(csv.config.parse(config), testContext({ baseDir, ...(now ? { clock: { now } } : {}) })) as Sink;
const delivery = (overrides: Partial<DeliveryContext> = {}): DeliveryContext => ({
  deliveryId: 'calls/log/1', attempt: 1, pipeline: 'calls', signal: new AbortController().signal, ...overrides,
});
const send = (sink: Sink, event: CallEvent = sampleEvent(), ctx = delivery()): Promise<DeliveryOutcome> => settleDelivery(() => sink.deliver(event, ctx));
const rows = (file: string): Record<string, string>[] => parse(readFileSync(file), { columns: true }) as Record<string, string>[];
const records = (file: string): string[][] => parse(readFileSync(file)) as string[][];
const reasonOf = (outcome: DeliveryOutcome): string => ('reason' in outcome ? outcome.reason : '');

/** A caller whose name needs every RFC 4180 escape: a comma, quotes and a line break. */
const awkward = (overrides: Partial<CallEvent> = {}): CallEvent => sampleEvent({
  from: { raw: '2125551212', e164: '+12125551212', name: 'Doe, "Johnny"\r\nJr.' },
  occurredAt: '2026-11-24T13:03:05.000Z', ...overrides,
});

describe('csv sink', () => {
  describe('rows', () => {
    it('writes RFC 4180 rows (CRLF, quoted commas, quotes and line breaks) that parse back', async () => {
      const base = folder();
      const sink = create(base, { path: 'calls.csv' });
      const event = awkward();
      expect((await send(sink, event)).status).to.equal('delivered');
      const text = readFileSync(path.join(base, 'calls.csv'), 'utf8');
      expect(text).to.include('"Doe, ""Johnny""\r\nJr."');
      expect(text.endsWith('\r\n')).to.equal(true);
      const [row] = rows(path.join(base, 'calls.csv'));
      expect(row).to.deep.include({
        occurredAt: '2026-11-24 13:03:05+00:00', type: 'missed', direction: 'inbound', outcome: 'no-answer',
        from: '+12125551212', fromName: 'Doe, "Johnny"\r\nJr.', to: '+14155550100', agent: '102',
        ringSeconds: '18', talkSeconds: '0', recordingUrl: '', callId: event.callId, legId: '', source: 'pbx', platform: '3cx', id: event.id, flags: '',
      });
      expect(Object.keys(row!)).to.have.length(DEFAULT_COLUMNS.length);
    });

    it('writes the header once per file, also across a restart (a second sink instance)', async () => {
      const base = folder();
      await send(create(base, { path: 'logs/calls.csv' }), awkward());
      await send(create(base, { path: 'logs/calls.csv' }), awkward({ type: 'completed' }));
      const file = path.join(base, 'logs', 'calls.csv');
      expect(rows(file).map((r) => r.type)).to.deep.equal(['missed', 'completed']);
      expect(records(file).filter((r) => r[0] === 'occurredAt')).to.have.length(1);
    });

    it('falls back along a|b alternatives: a number without E.164 shows its raw form', async () => {
      const base = folder();
      await send(create(base, { path: 'c.csv' }), sampleEvent({ from: { raw: 'anonymous' }, agent: { raw: 'queue-sales', kind: 'queue' } }));
      expect(rows(path.join(base, 'c.csv'))[0]).to.deep.include({ from: 'anonymous', fromName: '', agent: 'queue-sales' });
    });

    it('writes chosen columns: nested paths, custom headers, lists and objects as JSON, missing as empty', async () => {
      const base = folder();
      const sink = create(base, {
        path: 'c.csv',
        columns: ['type', { header: 'caller', field: 'from.e164' }, 'call.answeredBy', 'call.rang', 'details.mos', 'details.quality', 'flags', 'hangupCause'],
      });
      await send(sink, sampleEvent({
        type: 'completed', call: { legs: [], rang: ['101', '102'], answeredBy: '102', transfers: 0, recordingUrls: [], eventCount: 3 },
        details: { mos: 4.3, quality: { jitterMs: 12, codec: 'PCMU' } }, flags: ['repaired-body', 'timed-out'],
      }));
      expect(rows(path.join(base, 'c.csv'))).to.deep.equal([{
        type: 'completed', caller: '+12125551212', 'call.answeredBy': '102', 'call.rang': '["101","102"]', 'details.mos': '4.3',
        'details.quality': '{"jitterMs":12,"codec":"PCMU"}', flags: '["repaired-body","timed-out"]', hangupCause: '',
      }]);
    });

    it('writes timestamps in the configured time zone with their offset, DST included', async () => {
      const base = folder();
      const sink = create(base, { path: 'c.csv', timeZone: 'Europe/Berlin', columns: ['occurredAt', 'startedAt', 'answeredAt'] });
      await send(sink, sampleEvent({ occurredAt: '2026-11-24T13:03:05.000Z', startedAt: '2026-07-01T10:00:00Z' }));
      // 2026-10-25 02:30 happens twice in Berlin; the offset tells them apart.
      await send(sink, sampleEvent({ occurredAt: '2026-10-25T00:30:00Z', startedAt: '2026-10-25T01:30:00Z' }));
      expect(rows(path.join(base, 'c.csv'))).to.deep.equal([
        { occurredAt: '2026-11-24 14:03:05+01:00', startedAt: '2026-07-01 12:00:00+02:00', answeredAt: '' },
        { occurredAt: '2026-10-25 02:30:00+02:00', startedAt: '2026-10-25 02:30:00+01:00', answeredAt: '' },
      ]);
    });

    it('neutralises cells a spreadsheet would run as formulas, but leaves phone numbers alone', async () => {
      const base = folder();
      const columns = ['from.name', 'from.e164', 'details.delta'];
      const event = sampleEvent({ from: { raw: '+12125551212', e164: '+12125551212', name: '=HYPERLINK("http://evil.example","Call back")' }, details: { delta: '-2+3+cmd|x' } });
      await send(create(base, { path: 'safe.csv', columns }), event);
      await send(create(base, { path: 'raw.csv', columns, escapeFormulas: false }), event);
      expect(records(path.join(base, 'safe.csv'))[1]).to.deep.equal(['\'=HYPERLINK("http://evil.example","Call back")', '+12125551212', '\'-2+3+cmd|x']);
      expect(records(path.join(base, 'raw.csv'))[1]).to.deep.equal(['=HYPERLINK("http://evil.example","Call back")', '+12125551212', '-2+3+cmd|x']);
    });
  });

  describe('files', () => {
    it('does not append under a header that differs from the columns: it starts the next file', async () => {
      const base = folder();
      writeFileSync(path.join(base, 'c.csv'), 'old,header\r\n1,2\r\n');
      const sink = create(base, { path: 'c.csv', columns: ['type'] });
      await send(sink);
      await send(create(base, { path: 'c.csv', columns: ['type'] }), sampleEvent({ type: 'completed' }));
      expect(readFileSync(path.join(base, 'c.csv'), 'utf8')).to.equal('old,header\r\n1,2\r\n');
      expect(rows(path.join(base, 'c.1.csv'))).to.deep.equal([{ type: 'missed' }, { type: 'completed' }]);
    });

    it('ends a torn last line (a crash mid-row) before appending, so the new row stands on its own', async () => {
      const base = folder();
      writeFileSync(path.join(base, 'c.csv'), 'type,callId\r\nmissed,2303');
      await send(create(base, { path: 'c.csv', columns: ['type', 'callId'] }), sampleEvent({ type: 'completed', callId: 'c-42' }));
      expect(records(path.join(base, 'c.csv'))).to.deep.equal([['type', 'callId'], ['missed', '2303'], ['completed', 'c-42']]);
    });

    it('rotates by day in the time zone, by the injected clock, with {date} in the path', async () => {
      const base = folder();
      let now = Date.parse('2026-11-24T22:30:00Z'); // 17:30 in New York
      const sink = create(base, { path: 'calls-{date}.csv', timeZone: 'America/New_York' }, () => now);
      await send(sink, sampleEvent({ type: 'missed' }));
      now = Date.parse('2026-11-25T04:59:59Z'); // 23:59:59 in New York, still the 24th
      await send(sink, sampleEvent({ type: 'completed' }));
      now = Date.parse('2026-11-25T05:00:00Z'); // midnight in New York
      await send(sink, sampleEvent({ type: 'missed' }));
      expect(readdirSync(base).sort()).to.deep.equal(['calls-2026-11-24.csv', 'calls-2026-11-25.csv']);
      expect(rows(path.join(base, 'calls-2026-11-24.csv')).map((r) => r.type)).to.deep.equal(['missed', 'completed']);
      expect(rows(path.join(base, 'calls-2026-11-25.csv'))).to.have.length(1);
    });

    it('puts the day before the extension when the path has no {date}', async () => {
      const base = folder();
      await send(create(base, { path: 'out/calls.csv', rotate: { every: 'day' } }, () => Date.parse('2026-11-24T12:00:00Z')));
      expect(readdirSync(path.join(base, 'out'))).to.deep.equal(['calls-2026-11-24.csv']);
    });

    it('rotates by size: calls.csv, calls.1.csv, calls.2.csv..., each within maxBytes and with its header', async () => {
      const base = folder();
      const sink = create(base, { path: 'calls.csv', rotate: { maxBytes: 1024 } });
      const sent = Array.from({ length: 20 }, () => sampleEvent());
      for (const event of sent) expect((await send(sink, event)).status).to.equal('delivered');
      const files = readdirSync(base).sort((a, b) => a.length - b.length || a.localeCompare(b));
      expect(files.length).to.be.at.least(3);
      expect(files.slice(0, 3)).to.deep.equal(['calls.csv', 'calls.1.csv', 'calls.2.csv']);
      for (const file of files) {
        expect(statSync(path.join(base, file)).size, file).to.be.at.most(1024);
        expect(records(path.join(base, file))[0]![0], file).to.equal('occurredAt');
      }
      expect(files.flatMap((f) => rows(path.join(base, f)).map((r) => r.id))).to.deep.equal(sent.map((e) => e.id));
    });

    it('combines daily and size rotation: calls-2026-11-24.1.csv', async () => {
      const base = folder();
      const sink = create(base, { path: 'calls.csv', rotate: { every: 'day', maxBytes: 1024 } }, () => Date.parse('2026-11-24T12:00:00Z'));
      for (let i = 0; i < 8; i++) await send(sink);
      expect(readdirSync(base)).to.include.members(['calls-2026-11-24.csv', 'calls-2026-11-24.1.csv']);
    });
  });

  describe('concurrency and failures', () => {
    it('never interleaves rows delivered concurrently, nor writes the header twice, even from two sink instances', async () => {
      const base = folder();
      const a = create(base, { path: 'c.csv', fsync: false });
      const b = create(base, { path: 'c.csv', fsync: false });
      const sent = Array.from({ length: 300 }, (_, i) => awkward({ callId: `call-${i}` }));
      const outcomes = await Promise.all(sent.map((event, i) => send(i % 2 ? a : b, event)));
      expect(outcomes.every((o) => o.status === 'delivered')).to.equal(true);
      const written = rows(path.join(base, 'c.csv'));
      expect(written.map((r) => r.callId).sort()).to.deep.equal(sent.map((e) => e.callId).sort());
      expect(written.every((r) => r.fromName === 'Doe, "Johnny"\r\nJr.')).to.equal(true);
    });

    it('turns a folder in the file\'s place (EISDIR) into a retry, and delivers once it is gone', async () => {
      const base = folder();
      mkdirSync(path.join(base, 'c.csv'));
      const sink = create(base, { path: 'c.csv' });
      const outcome = await send(sink);
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/^appending to .*c\.csv: EISDIR/);
      rmSync(path.join(base, 'c.csv'), { recursive: true });
      expect((await send(sink)).status).to.equal('delivered');
      expect(rows(path.join(base, 'c.csv'))).to.have.length(1);
    });

    it('turns a file in the folder\'s place into a retry', async () => {
      const base = folder();
      writeFileSync(path.join(base, 'logs'), 'not a folder');
      const outcome = await send(create(base, { path: 'logs/c.csv' }));
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.match(/^appending to .*logs.c\.csv: E(EXIST|NOTDIR)/);
    });

    it('writes nothing for an attempt whose signal is aborted, and says so', async () => {
      const base = folder();
      const controller = new AbortController();
      controller.abort(new Error('attempt timed out after 10000 ms'));
      const outcome = await send(create(base, { path: 'c.csv' }), sampleEvent(), delivery({ signal: controller.signal }));
      expect(outcome.status).to.equal('retry');
      expect(reasonOf(outcome)).to.include('aborted before the row was written (attempt timed out after 10000 ms)');
      expect(existsSync(path.join(base, 'c.csv'))).to.equal(false);
    });

    it('lets rows already being written finish on close, and refuses deliveries after it', async () => {
      const base = folder();
      const sink = create(base, { path: 'c.csv' });
      const inFlight = Array.from({ length: 20 }, () => send(sink));
      await sink.close!();
      expect(rows(path.join(base, 'c.csv'))).to.have.length(20);
      expect((await Promise.all(inFlight)).every((o) => o.status === 'delivered')).to.equal(true);
      const late = await send(sink);
      expect(late.status).to.equal('retry');
      expect(reasonOf(late)).to.match(/closed/);
    });
  });

  describe('config', () => {
    const errors = (config: Record<string, unknown>): string[] => {
      const result = csv.config.safeParse(config);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    it('defaults: UTC, fsync, formulas escaped, the default columns', () => {
      expect(csv.config.parse({ path: 'c.csv' })).to.deep.include({ timeZone: 'UTC', fsync: true, escapeFormulas: true, columns: DEFAULT_COLUMNS, rotate: {} });
    });
    it('refuses an unknown time zone, duplicate headers and malformed field paths', () => {
      expect(errors({ path: 'x.csv', timeZone: 'Mars/Olympus' })[0]).to.match(/^timeZone: .*IANA/);
      expect(errors({ path: 'x.csv', columns: ['type', { header: 'type', field: 'status' }] })[0]).to.match(/same header/);
      expect(errors({ path: 'x.csv', columns: ['from..e164'] })).to.have.length.greaterThan(0);
      expect(errors({ path: 'x.csv', rotate: { every: 'hour' } })).to.have.length.greaterThan(0);
    });
  });
});

/**
 * The contract against a real folder. `retryable` = the folder is replaced by a file (a write error
 * that works even as root, unlike chmod); `ok` puts the folder back.
 */
{
  const base = mkdtempSync(path.join(tmpdir(), 'callrelay-csv-contract-'));
  const out = path.join(base, 'out');
  const parked = path.join(base, 'out.parked');
  runSinkContract('csv', {
    create: async () => create(base, { path: 'out/contract.csv' }),
    setBehaviour(behaviour) {
      const broken = existsSync(parked);
      if (behaviour === 'retryable' && !broken) {
        if (existsSync(out)) renameSync(out, parked);
        else mkdirSync(parked);
        writeFileSync(out, 'a file where the folder should be');
      } else if (behaviour !== 'retryable' && broken) {
        rmSync(out);
        renameSync(parked, out);
      }
    },
    received: () => {
      const file = path.join(existsSync(parked) ? parked : out, 'contract.csv');
      return existsSync(file) ? rows(file).length : 0;
    },
    unsupported: {
      permanent: 'the CSV sink never fails permanently: every write error can be fixed by an operator, so it is retried',
      retryAfter: 'a file has no Retry-After',
      partialBatch: 'a batch is one write of all its rows: it lands whole or is retried whole',
    },
    cleanup: async () => rmSync(base, { recursive: true, force: true }),
  });
}

describe('csv sink batches', () => {
  it('writes a batch with one write and one fsync, rows in order, across a size rotation', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'csv-batch-'));
    try {
      const sink = await create(base, { path: 'calls.csv', columns: ['callId'], rotate: { maxBytes: 1024 } });
      const syncs: string[] = [];
      const probe = await open(path.join(base, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
      await probe.close();
      rmSync(path.join(base, 'probe'));
      const realSync = proto.sync;
      proto.sync = async function (this: unknown) { syncs.push('sync'); return realSync.call(this); };
      const events = Array.from({ length: 300 }, (_, i) => sampleEvent({ callId: `call-${String(i).padStart(3, "0")}` }));
      try {
        const outcomes = await sink.deliverBatch!(events.map((event, i) => ({ event, deliveryId: `d${i}`, attempt: 1, pipeline: 'p' })), { signal: new AbortController().signal });
        expect(outcomes).to.have.length(300);
      } finally {
        proto.sync = realSync;
      }
      const order = (f: string) => Number(/\.(\d+)\.csv$/.exec(f)?.[1] ?? 0);
      const files = readdirSync(base).filter((f) => f.endsWith('.csv')).sort((a, b) => order(a) - order(b));
      const written = files.flatMap((f) => rows(path.join(base, f)).map((r) => r.callId));
      expect(written).to.deep.equal(events.map((e) => e.callId));
      for (const f of files) expect(statSync(path.join(base, f)).size, f).to.be.at.most(1024);
      // One fsync per file the batch landed in (plus its folder for each new file), not one per row.
      expect(syncs.length).to.be.at.most(files.length * 2);
      await sink.close?.();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('csv sink: a failed write leaves no half row', () => {
  it('truncates the file back when a batch write fails part way, so a torn quoted cell cannot break later rows', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'csv-torn-'));
    try {
      const sink = await create(base, { path: 'calls.csv', columns: ['callId', 'from.name'] });
      await sink.deliverBatch!([{ event: sampleEvent({ callId: 'first' }), deliveryId: 'd0', attempt: 1, pipeline: 'p' }], { signal: new AbortController().signal });
      const file = path.join(base, 'calls.csv');
      const before = statSync(file).size;
      // Fail the write after part of the batch reached the file (as a full disk does).
      const probe = await open(path.join(base, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as { write: (...args: unknown[]) => Promise<{ bytesWritten: number }> };
      await probe.close();
      const realWrite = proto.write;
      proto.write = async function (this: unknown, data: unknown, offset: unknown, length: unknown) {
        await realWrite.call(this, data, offset, Math.max(1, Math.floor(Number(length) / 2)));
        throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      };
      const events = [sampleEvent({ callId: 'torn', from: { raw: '+1', name: 'Roe, "Jane"\nline two' } })];
      let failed = false;
      try {
        await sink.deliverBatch!(events.map((event) => ({ event, deliveryId: 'd1', attempt: 1, pipeline: 'p' })), { signal: new AbortController().signal });
      } catch {
        failed = true;
      } finally {
        proto.write = realWrite;
      }
      expect(failed, 'the batch is retried').to.equal(true);
      expect(statSync(file).size, 'nothing of the failed batch stays').to.equal(before);
      await sink.deliverBatch!(events.map((event) => ({ event, deliveryId: 'd1', attempt: 2, pipeline: 'p' })), { signal: new AbortController().signal });
      expect(rows(file).map((r) => r.callId)).to.deep.equal(['first', 'torn']);
      await sink.close?.();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
