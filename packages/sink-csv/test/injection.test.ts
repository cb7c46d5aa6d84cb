import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { settleDelivery, type CallEvent, type Sink } from '@callrelay/core';
import { sampleEvent, testContext } from '@callrelay/testkit';
import csv, { DEFAULT_COLUMNS, csvRecord, neutraliseFormula } from '@callrelay/sink-csv';

// Issue 12, item 1: caller names (CNAM, SIP display names) are typed by whoever places the call,
// and ids, numbers and URLs come from webhooks anyone can forge when a source has no auth.

const folders: string[] = [];
after(() => { for (const dir of folders) rmSync(dir, { recursive: true, force: true }); });

/** Writes the events with the default columns and returns the file's records, header included. */
async function written(events: CallEvent[], config: Record<string, unknown> = {}): Promise<{ records: string[][]; text: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-csv-injection-'));
  folders.push(dir);
  const sink = csv.create(csv.config.parse({ path: 'calls.csv', ...config }), testContext({ baseDir: dir })) as Sink;
  for (const event of events) {
    const outcome = await settleDelivery(() => sink.deliver(event, { deliveryId: `d/${event.id}`, attempt: 1, pipeline: 'p', signal: new AbortController().signal }));
    expect(outcome.status).to.equal('delivered');
  }
  const text = readFileSync(path.join(dir, 'calls.csv'), 'utf8');
  // Read as spreadsheets do: a bare CR or LF outside quotes ends a row too (csv-parse would
  // otherwise detect CRLF from the header and keep a bare LF inside an unquoted cell).
  return { records: parse(text, { record_delimiter: ['\r\n', '\r', '\n'] }) as string[][], text };
}

const column = (name: string) => DEFAULT_COLUMNS.findIndex((c) => (typeof c === 'string' ? c : c.header) === name);
const named = (name: string) => sampleEvent({ from: { raw: '+12125551212', e164: '+12125551212', name } });

describe('csv sink: attacker-controlled values (issue 12)', () => {
  describe('bug: a bare LF or CR in a caller name started a new row', () => {
    const names = [
      'Jane\n=1+1',
      "Jane\r=cmd|' /C calc'!A0",
      'Jane\r\n@SUM(1)',
      '\r\n@SUM(1)',
      'Jane\n\n\r-2+3',
    ];
    for (const name of names) {
      it(`keeps ${JSON.stringify(name)} in one quoted cell of one row`, async () => {
        const { records, text } = await written([named(name), sampleEvent({ type: 'completed' })]);
        expect(records, text).to.have.length(3); // header + the two events
        for (const record of records) expect(record).to.have.length(DEFAULT_COLUMNS.length);
        const cell = records[1]![column('fromName')]!;
        expect(cell.replace(/(^|[\r\n])'/g, '$1'), 'the name, apart from the quotes put before lines').to.equal(name);
        expect(records[2]![column('type')]).to.equal('completed');
      });
    }

    it('neutralises every line of the cell that a line-based reader would take for a formula', async () => {
      const { records } = await written([named('Jane\n=1+1'), named("Jane\r=cmd|' /C calc'!A0"), named('\r\n@SUM(1)')]);
      expect(records.slice(1).map((r) => r[column('fromName')])).to.deep.equal([
        "Jane\n'=1+1",
        "Jane\r'=cmd|' /C calc'!A0",
        "'\r\n'@SUM(1)", // starts with CR (OWASP), and its second line with @
      ]);
    });

    it('still quotes line breaks with escapeFormulas off: the structure never depends on it', async () => {
      const { records } = await written([named('Jane\n=1+1'), named('Jane\r@x')], { escapeFormulas: false });
      expect(records).to.have.length(3);
      expect(records.slice(1).map((r) => r[column('fromName')])).to.deep.equal(['Jane\n=1+1', 'Jane\r@x']);
    });

    it('quotes a lone CR or LF whatever the cell holds (csvRecord)', () => {
      expect(csvRecord(['a\nb', 'c\rd', 'e'])).to.equal('"a\nb","c\rd",e\r\n');
    });
  });

  describe('formulas', () => {
    const cases: [string, string][] = [
      ['=1+1', "'=1+1"],
      ['+SUM(A1:A9)', "'+SUM(A1:A9)"],
      ['-1+1', "'-1+1"],
      ['@SUM(1)', "'@SUM(1)"],
      ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
      ['\t=1+1', "'\t=1+1"],
      ['\tJane', "'\tJane"],
      ['\0x', "'\0x"],
      ['＝1+1', "'＝1+1"],
      ['＋SUM(1)', "'＋SUM(1)"],
      ['－1+1', "'－1+1"],
      ['＠SUM(1)', "'＠SUM(1)"],
      ['  =1+1', "'  =1+1"],
      ['\u200b=1+1', "'\u200b=1+1"],
      ['+1 415 555 1234+cmd', "'+1 415 555 1234+cmd"],
      ['+1 (415) 555-1234', "'+1 (415) 555-1234"],
      ['+12345678901234567 89', "'+12345678901234567 89"], // more than 15 digits: not a phone number
    ];
    for (const [value, expected] of cases) {
      it(`writes ${JSON.stringify(value)} as ${JSON.stringify(expected)}`, async () => {
        expect(neutraliseFormula(value)).to.equal(expected);
        const { records } = await written([named(value)]);
        expect(records[1]![column('fromName')]).to.equal(expected);
      });
    }

    const intact = ['+14155551234', '+1 415 555 1234', '+44 20 7946 0000', '-3.5', '42', '-', '+', 'Jane Caller', "O'Brien", 'Jane = Joe', ''];
    it(`leaves phone numbers, plain numbers and text alone: ${intact.map((v) => JSON.stringify(v)).join(', ')}`, () => {
      for (const value of intact) expect(neutraliseFormula(value), value).to.equal(value);
    });
  });

  describe('ids', () => {
    it('bug: an event id starting with - (base64url) was altered; id, callId and legId round-trip', async () => {
      const event = sampleEvent({ id: '-Xb9_kQ2-mZ0aL1c7yT4vW8sP3eR6uN5', callId: '-230307142318_40', legId: '-230307142318_40-1' });
      const { records } = await written([event]);
      expect(records[1]![column('id')]).to.equal(event.id);
      expect(records[1]![column('callId')]).to.equal(event.callId);
      expect(records[1]![column('legId')]).to.equal(event.legId);
    });

    it('gives no exemption to a forged id that is not base64url', async () => {
      const event = sampleEvent({ callId: "-1+cmd|' /C calc'!A0", legId: '=HYPERLINK("https://evil.example")', id: '@SUM(1)' });
      const { records } = await written([event]);
      expect(records[1]![column('callId')]).to.equal("'-1+cmd|' /C calc'!A0");
      expect(records[1]![column('legId')]).to.equal('\'=HYPERLINK("https://evil.example")');
      expect(records[1]![column('id')]).to.equal("'@SUM(1)");
    });

    it('exempts only the canonical id columns, not a base64url-looking value elsewhere', () => {
      expect(neutraliseFormula('-A1', 'callId')).to.equal('-A1');
      expect(neutraliseFormula('-A1', 'from.name')).to.equal("'-A1");
      expect(neutraliseFormula('-A1')).to.equal("'-A1");
    });
  });

  it('guards every attacker-controlled column: numbers, agent, recording URL, status', async () => {
    const event = sampleEvent({
      from: { raw: '=1+1', name: 'x' },
      to: { raw: '@SUM(1)' },
      agent: { raw: '-2+3', name: 'y' },
      recordingUrl: '=HYPERLINK("https://evil.example","Listen")',
    });
    const { records } = await written([event]);
    const row = records[1]!;
    expect([row[column('from')], row[column('to')], row[column('agent')], row[column('recordingUrl')]]).to.deep.equal([
      "'=1+1", "'@SUM(1)", "'-2+3", '\'=HYPERLINK("https://evil.example","Listen")',
    ]);
  });
});
