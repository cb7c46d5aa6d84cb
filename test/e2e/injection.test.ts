import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { HubSpotEmulator, SlackEmulator, type SlackMessageRecord } from '@callrelay/testkit';
import { eventually, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

// Issue 12: every field of a webhook is attacker-controlled (a caller ID name is typed by the
// caller; a source with `auth: none` takes webhooks from anyone). Hostile values go through a
// real callrelay (the built CLI) into every sink that shows them to people: a CSV file, Slack,
// HubSpot and the console. None may get a new row or line, a mention, a link to the attacker or a
// formula a spreadsheet would run.

const EVIL = 'https://evil.example';
const hostile = {
  name: [
    `Jane\n=1+1 <!channel> @here <${EVIL}|CLICK ME>`,
    `\r=cmd|' /C calc'!A0 <script>alert(1)</script> \x1b[2K\x1b[31mRED <!everyone> <@U123ABC> <#C123ABC>`,
  ],
  number: ['=1+1\n@SUM(1)', '+1 415 <@U123ABC>\r-2+3'],
  called: ['@SUM(1)\r\n=2+2', '<!here>'],
  callId: [`<!channel> <${EVIL}|CLICK ME>\r\n-1+cmd|' /C calc'!A0`, `-A1\n@here\u2028[impact] FORGED`],
  legId: ['=HYPERLINK("https://evil.example","x")', '\t+SUM(1)'],
  agent: ['<!everyone>\n@SUM(1)\x1b]0;pwned\x07', `<${EVIL}/agent|Front desk>`],
  recording: [`${EVIL}/a|Listen> <!channel> pwned <${EVIL}/b`, `${EVIL}/r.wav" onmouseover="alert(1)`],
};

/** The three ImpactPBX webhooks of an unanswered inbound call, every field hostile (docs/connectors/impactpbx.md). */
function missedCall(i: number): Record<string, unknown>[] {
  const common = {
    ref: hostile.callId[i], domain_name: 'acme.impactpbx.com',
    caller_id_number: hostile.number[i], caller_id_name: hostile.name[i], ani: hostile.number[i],
    recipient: hostile.called[i], direction: 'inbound', channel_uuid: hostile.legId[i], originating_leg_uuid: hostile.callId[i],
    dialed_user: hostile.agent[i], call_start: `2025-11-24T10:0${i}:40.000+00:00`, click_to_call: false,
  };
  return [
    { ...common, action: 'originate', timestamp: `2025-11-24T10:0${i}:41.000+00:00` },
    { ...common, action: 'ring', ring_start: `2025-11-24T10:0${i}:41.000+00:00`, timestamp: `2025-11-24T10:0${i}:42.000+00:00` },
    {
      ...common, action: 'hangup', call_end: `2025-11-24T10:0${i}:59.000+00:00`, duration: 0, cause: 'NO_ANSWER',
      recording: hostile.recording[i], timestamp: `2025-11-24T10:0${i}:59.000+00:00`,
    },
  ];
}

/** Per call: started, ringing, ended, and the tracker's missed. */
const EVENTS = 2 * 4;

/** Every string Slack reads as message text: `text`, and every `text` inside the blocks. */
function slackTexts(message: SlackMessageRecord): string[] {
  const found = message.text !== undefined ? [message.text] : [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) (k === 'text' && typeof v === 'string' ? found.push(v) : walk(v));
  };
  walk(message.blocks);
  return found;
}

/** Where a spreadsheet would run a formula: a cell, or a line in it, starting with = + - @ (or full-width), TAB, CR, NUL. */
const FORMULA = /(^|[\r\n])[\s\p{Cc}\p{Cf}]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\0]/u;
const PHONE_OR_NUMBER = /^(\+\d+( \d+)*|[+-]?\d+(\.\d+)?)$/;

describe('e2e: attacker-controlled call fields through every sink (issue 12)', function () {
  this.timeout(120_000);
  const slack = new SlackEmulator();
  const hubspot = new HubSpotEmulator();
  let node: CallrelayProcess;
  let dir = '';
  const csvFile = () => path.join(dir, 'calls.csv');

  before(async () => {
    await slack.start();
    await hubspot.start();
    dir = mkdtempSync(path.join(tmpdir(), 'callrelay-injection-'));
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'server: { port: 0 }', 'store: { type: sqlite, path: store.db }', 'tracker: { settleMs: 200 }',
      'sources:', '  impact: { type: impactpbx, auth: none }',
      'sinks:',
      '  file: { type: csv, path: calls.csv }',
      `  chat: { type: slack, webhookUrl: "${slack.webhookUrl('alerts')}" }`,
      `  crm: { type: hubspot, accessToken: "${HubSpotEmulator.DEFAULT_TOKEN}", baseUrl: "${hubspot.url}" }`,
      '  screen: { type: console, format: line }',
      'pipelines:', '  everything: { from: [impact], to: [file, chat, crm, screen] }', '',
    ].join('\n'));
    node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
    for (const i of [0, 1]) {
      for (const body of missedCall(i)) {
        const response = await fetch(`${node.url}/hooks/impact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(response.status, await response.text()).to.equal(200);
      }
    }
    const settled = () => slack.messagesIn('alerts').length >= EVENTS && hubspot.calls.length >= EVENTS
      && existsSync(csvFile()) && (readFileSync(csvFile(), 'utf8').match(/,missed,/g)?.length ?? 0) >= 2 && (node.stdout().match(/^\[impact\] MISSED/gm)?.length ?? 0) >= 2;
    await eventually(() => (settled() ? true : undefined), 60_000, `${EVENTS} events in every sink`);
    await new Promise((r) => setTimeout(r, 1000)); // nothing more arrives
  });
  after(async () => {
    await node?.kill('SIGTERM');
    await slack.stop();
    await hubspot.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('CSV: one row per event (read as spreadsheets do: any CR or LF outside quotes ends a row), and no cell or line a spreadsheet would run', () => {
    const text = readFileSync(csvFile(), 'utf8');
    const rows = parse(text, { record_delimiter: ['\r\n', '\r', '\n'], columns: true }) as Record<string, string>[];
    expect(rows, text).to.have.length(EVENTS);
    expect(rows.filter((r) => r.type === 'missed')).to.have.length(2);
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        if (PHONE_OR_NUMBER.test(cell)) continue;
        expect(FORMULA.test(cell), `${column}: ${JSON.stringify(cell)}`).to.equal(false);
      }
    }
    // The values are all there, as text: only `'` was added, before the lines that needed it.
    const names = rows.filter((r) => r.type === 'missed').map((r) => r.fromName!.replace(/(^|[\r\n])'/g, '$1'));
    expect(names).to.deep.equal(hostile.name.map((n) => n.trim())); // the source trims values
  });

  it('console: exactly one line per event, with no control character a terminal acts on', () => {
    // stdout also carries the process's JSON log lines (pino); the console sink's lines are the rest.
    const all = node.stdout().split('\n').filter((l) => l !== '');
    const logs = all.filter((l) => l.startsWith('{"level":'));
    for (const log of logs) expect(JSON.parse(log), log).to.have.property('msg');
    const lines = all.filter((l) => !logs.includes(l));
    expect(lines, node.stdout()).to.have.length(EVENTS);
    for (const line of lines) {
      expect(line).to.match(/^\[impact\] (STARTED|RINGING|ENDED|MISSED) · inbound call /);
      expect(line).to.not.match(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    }
    expect(lines.filter((l) => l.startsWith('[impact] MISSED'))).to.have.length(2);
  });

  it('Slack: no mention, and no link but the tel: links the sink builds', () => {
    const messages = slack.messagesIn('alerts');
    expect(messages).to.have.length(EVENTS);
    for (const message of messages) {
      for (const text of slackTexts(message)) {
        for (const sequence of text.match(/<[^>]*>?/g) ?? []) {
          expect(sequence, `in ${JSON.stringify(message.payload)}`).to.match(/^<tel:\+\d+\|[^<>|]*>$/);
        }
        expect(text, 'a plain broadcast word').to.not.match(/@(here|channel|everyone)\b/i);
      }
      expect(JSON.stringify(message.payload)).to.not.match(/"(url|image_url)"/);
    }
    expect(messages.filter((m) => m.text?.startsWith('Missed call from'))).to.have.length(2);
  });

  it('HubSpot: notes hold only the template\'s own markup, the title none, and nothing links to the attacker', () => {
    expect(hubspot.calls).to.have.length(EVENTS);
    for (const call of hubspot.calls) {
      const body = call.properties.hs_call_body ?? '';
      const title = call.properties.hs_call_title ?? '';
      for (const [, name, attributes] of body.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
        expect(['p', 'ul', 'li'], `<${name}${attributes}> in ${body}`).to.include(name);
        expect(attributes!.trim(), body).to.equal('');
      }
      expect(title).to.not.match(/[<>\r\n]/);
      expect(call.properties).to.not.have.property('hs_call_recording_url');
      expect(body).to.not.include(`href`);
    }
  });
});
