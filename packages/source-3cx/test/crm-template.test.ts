import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { type CallEvent } from '@callrelay/core';
import { IngestServer, RuntimeMetrics } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';
import { counts, createSource, fold } from './helpers.js';
import { findAll, parseXml, type XmlElement } from './xml.js';

const TEMPLATE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/3cx-crm-template/callrelay-3cx-crm.xml');

/**
 * 3CX's call journaling variables (https://www.3cx.com/docs/crm-template-xml-description/, "Call
 * Journaling") and this template's own parameters: a misspelt variable would reach callrelay as
 * literal text, so every `[Variable]` the template uses must be one of these.
 */
const JOURNAL_VARIABLES = new Set([
  'CallType', 'CallDirection', 'Number', 'Name', 'EntityId', 'EntityType', 'QueueExtension', 'Agent', 'AgentFirstName',
  'AgentLastName', 'AgentEmail', 'Duration', 'DurationTimeSpan', 'DateTime', 'CallStartTimeLocal', 'CallStartTimeUTC',
  'CallEstablishedTimeLocal', 'CallEstablishedTimeUTC', 'CallEndTimeLocal', 'CallEndTimeUTC', 'Subject',
]);
const PARAMETERS = new Set(['CallrelayUrl', 'CallrelayToken', 'ReportCallEnabled']);

/** What 3CX would substitute for one call; DateTime variables as .NET DateTimes (`ToString("s")`). */
interface SampleCall { strings: Record<string, string>; times: Record<string, string> }

/** Evaluates the two expression forms the template uses: `[Variable]` and `[[Variable].ToString("s")]`. */
function substitute(text: string, call: SampleCall): string {
  return text
    .replace(/\[\[(\w+)\]\.ToString\("s"\)\]/g, (_, variable: string) => {
      const time = call.times[variable];
      if (time === undefined) throw new Error(`no sample DateTime for ${variable}`);
      return time;
    })
    .replace(/\[(\w+)\]/g, (_, variable: string) => {
      const value = call.strings[variable];
      if (value === undefined) throw new Error(`no sample value for ${variable}`);
      return value;
    });
}

function scenario(root: XmlElement, id: string): XmlElement {
  const found = findAll(root, 'Scenario').find((s) => s.attributes.Id === id);
  if (!found) throw new Error(`no <Scenario Id="${id}">`);
  return found;
}

/** The request 3CX's ReportCall scenario makes for `call`: URL, headers and JSON body. */
function reportCallRequest(root: XmlElement, call: SampleCall): { url: string; headers: Record<string, string>; body: string } {
  const request = findAll(scenario(root, 'ReportCall'), 'Request')[0]!;
  const headers: Record<string, string> = { 'content-type': request.attributes.RequestContentType ?? 'application/json' };
  for (const value of findAll(request, 'Headers').flatMap((h) => h.children)) headers[value.attributes.Key!.toLowerCase()] = substitute(value.text, call);
  const body: Record<string, string> = {};
  for (const value of findAll(request, 'PostValues').flatMap((p) => p.children)) body[value.attributes.Key!] = substitute(value.text, call);
  return { url: substitute(request.attributes.Url!, call), headers, body: JSON.stringify(body) };
}

const agent = { Agent: '202', AgentFirstName: 'Ayşe', AgentLastName: 'Demir', AgentEmail: 'ayse.demir@example.com.tr' };
const missed = (url: string, token: string): SampleCall => ({
  strings: { CallrelayUrl: url, CallrelayToken: token, CallType: 'Missed', CallDirection: 'Inbound', Number: '05301112401', Name: '', ...agent, QueueExtension: '820', Duration: '00:00:00' },
  times: { CallStartTimeLocal: '2025-03-14T09:41:05', CallStartTimeUTC: '2025-03-14T06:41:05', CallEstablishedTimeUTC: '0001-01-01T00:00:00', CallEndTimeUTC: '2025-03-14T06:41:47' },
});
const answered = (url: string, token: string): SampleCall => ({
  strings: { ...missed(url, token).strings, CallType: 'Inbound', Number: '05301112402', Name: 'Kemal Yıldız', QueueExtension: '', Duration: '00:03:07' },
  times: { CallStartTimeLocal: '2025-03-14T10:02:11', CallStartTimeUTC: '2025-03-14T07:02:11', CallEstablishedTimeUTC: '2025-03-14T07:02:19', CallEndTimeUTC: '2025-03-14T07:05:26' },
});

describe('3cx CRM template (examples/3cx-crm-template)', () => {
  const xml = readFileSync(TEMPLATE, 'utf8');
  const root = parseXml(xml);

  it('is well-formed XML with the elements 3CX requires', () => {
    expect(root.name).to.equal('Crm');
    expect(root.attributes).to.include({ Name: 'callrelay', Version: '1' });
    expect(root.attributes.Country, 'mandatory, though unused').to.be.a('string');
    expect(root.children.map((c) => c.name)).to.deep.equal(['Number', 'Connection', 'Parameters', 'Authentication', 'Scenarios']);
    expect(findAll(root, 'Number')[0]!.attributes, 'every digit kept: callrelay needs the whole number').to.deep.equal({ Prefix: 'AsIs', MaxLength: '' });
    expect(findAll(root, 'Parameter').map((p) => p.attributes.Name)).to.have.members([...PARAMETERS]);
    expect(findAll(root, 'Parameter').find((p) => p.attributes.Name === 'CallrelayToken')!.attributes.Type, 'a secret').to.equal('Password');
    expect(scenario(root, '').children.map((c) => c.name), 'the contact lookup every template has').to.include('Request');
  });

  it('rejects what 3CX would reject (the checker is strict)', () => {
    expect(() => parseXml('<Crm><Scenarios></Crm>')).to.throw(/closes/);
    expect(() => parseXml('<Crm Name="a" Name="b"/>')).to.throw(/repeated/);
    expect(() => parseXml('<Crm Url="a?x=1&y=2"/>')).to.throw(/bare "&"/);
    expect(() => parseXml('<!-- a -- b --><Crm/>')).to.throw(/inside a comment/);
    expect(() => parseXml('<Crm/><Crm/>')).to.throw(/after the root/);
  });

  it('uses only 3CX journal variables and its own parameters', () => {
    const used = new Set([...xml.replace(/<!--[\s\S]*?-->/g, '').matchAll(/\[(\w+)\]/g)].map((m) => m[1]!));
    for (const variable of used) expect(JOURNAL_VARIABLES.has(variable) || PARAMETERS.has(variable), variable).to.equal(true);
    expect(used).to.include('CallType');
  });

  it('journals every call, also a caller without a CRM contact: skipped only when journaling is off', () => {
    const request = findAll(scenario(root, 'ReportCall'), 'Request')[0]!;
    expect(request.attributes.SkipIf).to.equal('[ReportCallEnabled]!=True');
    expect(request.attributes, 'JSON').to.include({ RequestEncoding: 'Json', RequestType: 'Post' });
    const lookup = findAll(scenario(root, ''), 'Request')[0]!;
    expect(lookup.attributes.SkipIf, 'callrelay keeps no contacts: the lookup is never sent').to.equal('True');
  });

  describe('the body it posts, substituted for one call, sent to a 3cx source over HTTP', () => {
    const store = new MemoryStore();
    let server: IngestServer;
    let url = '';
    before(async () => {
      const source = await createSource({ auth: { token: { value: 'crm-secret' } } });
      server = new IngestServer(
        [{ id: 'pbx', route: '/hooks/pbx', platform: '3cx', defaultCountry: 'TR', source }],
        { host: '127.0.0.1', port: 0, bodyLimit: '1mb', trustProxy: false },
        { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) },
      );
      url = `http://127.0.0.1:${(await server.listen()).port}/hooks/pbx`;
    });
    after(() => server.close());

    const post = async (call: SampleCall): Promise<{ status: number; events: CallEvent[] }> => {
      const before = new Set(store.events.keys());
      const request = reportCallRequest(root, call);
      const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
      await response.text();
      return { status: response.status, events: [...store.events.values()].filter((e) => !before.has(e.id)) };
    };

    it('a missed call: accepted with the token header, one missed call at the 3CX server\'s times', async () => {
      const { status, events } = await post(missed(url, 'crm-secret'));
      expect(status).to.equal(200);
      expect(events.map((e) => [e.type, e.agent?.raw])).to.deep.equal([['ringing', '820'], ['ringing', '202'], ['ended', '202']]);
      expect(events[2]).to.include({ outcome: 'no-answer', direction: 'inbound', occurredAt: '2025-03-14T06:41:47.000Z', startedAt: '2025-03-14T06:41:05.000Z', clock: 'platform' });
      expect(events[2]!.from).to.deep.equal({ raw: '05301112401', e164: '+905301112401' });
      expect(events[2]!.raw).to.deep.include({ CallType: 'Missed', CallStartTimeUTC: '2025-03-14T06:41:05Z', CallStartTimeLocal: '2025-03-14T09:41:05' });
      expect(counts(fold(events, true))).to.deep.equal({ missed: 1, completed: 0 });
    });

    it('an answered call: one completed call with its talk time', async () => {
      const { status, events } = await post(answered(url, 'crm-secret'));
      expect(status).to.equal(200);
      expect(events.map((e) => e.type)).to.deep.equal(['ringing', 'answered', 'ended']);
      expect(events[2]).to.include({ outcome: 'answered', talkSeconds: 187 });
      expect(counts(fold(events, true))).to.deep.equal({ missed: 0, completed: 1 });
    });

    it('refused (401) with a wrong token, nothing stored', async () => {
      const { status, events } = await post(missed(url, 'guess'));
      expect(status).to.equal(401);
      expect(events).to.deep.equal([]);
    });
  });
});
