import { describe, it } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  CALL_DIRECTIONS, CALL_EVENT_TYPES, CALL_OUTCOMES, type CallEvent, type CallSummary, type Party, type SipInfo,
} from '@callrelay/core';
import { matchesWhen } from '@callrelay/core/host';
import { CALL_EVENT_FIELDS, eventFieldPaths, lookupField, type EventField } from '../src/config/event-fields.js';

const party = (raw: string, extension?: string): Required<Party> => ({ raw, e164: '+14155550100', extension: extension ?? '100', kind: 'ext', name: 'Ada' });
const sip: Required<SipInfo> = { status: 486, reason: 'Busy Here' };
const summary: Required<CallSummary> = {
  legs: ['leg-1', 'leg-2'], rang: ['100', '101'], answeredBy: '101', transfers: 1, recordingUrls: ['https://rec.example/1.mp3'], eventCount: 7,
};

/**
 * Every field of the model set, nested ones too. `Required<>` makes a field added to `CallEvent`
 * a type error here, and the test below reads the model's own declaration to catch it at run time.
 */
const sample: Required<CallEvent> = {
  id: 'evt-1', source: 'pbx', platform: 'jambonz', callId: 'call-1', legId: 'leg-1', type: 'missed', direction: 'inbound',
  from: party('+14155550100'), to: party('+14155550199'), agent: party('101', '101'), status: 'no-answer', outcome: 'no-answer',
  endsCall: true, occurredAt: '2026-11-24T10:00:05.000Z', receivedAt: '2026-11-24T10:00:05.100Z', clock: 'platform',
  startedAt: '2026-11-24T10:00:00.000Z', answeredAt: '2026-11-24T10:00:02.000Z', endedAt: '2026-11-24T10:00:05.000Z',
  ringSeconds: 2, talkSeconds: 3, sip, hangupCause: 'caller-canceled', recordingUrl: 'https://rec.example/1.mp3', transfer: 'blind',
  details: { trunk: 'twilio', media: { mos: 4.2 } }, flags: ['voicemail'], call: summary, raw: { call_sid: 'leg-1', nested: { x: 1 } },
  route: { table: 'teams', key: '+14155550199', matched: true, team: 'sales' },
  digest: { pipeline: 'p', calendar: 'office', opensAt: '2026-11-25T08:00:00.000Z', count: 0, events: [] },
  caller: { callsToday: 3, name: 'Jane Doe', contactUrl: 'https://app.hubspot.com/contacts/1/record/0-1/7', contactId: '7', contactSource: 'hubspot' },
  callback: { via: 'outbound', missedEventId: 'evt-0', source: 'pbx', callId: 'call-2', by: '101', afterSeconds: 720 },
};

/** Leaf paths of a value, stopping at the free fields (`details`, `raw`) and at lists. */
function leafPaths(value: Record<string, unknown>, fields: Readonly<Record<string, EventField>> = CALL_EVENT_FIELDS, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, item]) => {
    const field = fields[key];
    if (field?.kind === 'object') return leafPaths(item as Record<string, unknown>, field.fields, `${prefix}${key}.`);
    if (field?.kind === 'free') return [`${prefix}${key}.*`];
    return [`${prefix}${key}`];
  });
}

/** The property names of an interface, read from the model's source with the TypeScript parser. */
function declaredKeys(interfaceName: string): string[] {
  const file = fileURLToPath(new URL('../src/model/call-event.ts', import.meta.url));
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const declaration = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === interfaceName);
  if (!declaration) throw new Error(`no interface ${interfaceName} in the model`);
  return declaration.members.filter(ts.isPropertySignature).map((m) => m.name.getText(source));
}

describe('config: the event fields `when` may name', () => {
  it('the sample event sets every field the model declares (CallEvent, Party, SipInfo, CallSummary, CallerContext, CallbackInfo)', () => {
    expect(Object.keys(sample)).to.have.members(declaredKeys('CallEvent'));
    expect(Object.keys(sample.from)).to.have.members(declaredKeys('Party'));
    expect(Object.keys(sample.sip)).to.have.members(declaredKeys('SipInfo'));
    expect(Object.keys(sample.call)).to.have.members(declaredKeys('CallSummary'));
    expect(Object.keys(sample.caller!)).to.have.members(declaredKeys('CallerContext'));
    expect(Object.keys(sample.callback!)).to.have.members(declaredKeys('CallbackInfo'));
  });

  it('CALL_EVENT_FIELDS has exactly the paths of a fully populated event', () => {
    expect(eventFieldPaths()).to.have.members(leafPaths(sample));
  });

  it('each path reads the sample with fieldAt, and its kind fits the value', () => {
    for (const path of leafPaths(sample).map((p) => p.replace(/\.\*$/, ''))) {
      const lookup = lookupField(path);
      expect(lookup.found, path).to.equal(true);
      if (!lookup.found) continue;
      const value = path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], sample);
      const field = lookup.field;
      if (field.kind === 'enum') expect(field.values, path).to.include(value);
      if (field.kind === 'number') expect(value, path).to.be.a('number');
      if (field.kind === 'boolean') expect(value, path).to.be.a('boolean');
      if (field.kind === 'string[]') expect(value, path).to.be.an('array');
      if (['string', 'time', 'source-id', 'platform'].includes(field.kind)) expect(value, path).to.be.a('string');
      if (field.kind === 'time') expect(Number.isNaN(Date.parse(value as string)), path).to.equal(false);
      if (['enum', 'number', 'boolean', 'string', 'time', 'source-id', 'platform'].includes(field.kind)) {
        expect(matchesWhen(sample, { [path]: value }), `when { ${path}: ${String(value)} }`).to.equal(true);
      }
    }
  });

  it('enum fields take their values from the model', () => {
    expect(CALL_EVENT_FIELDS.type.values).to.equal(CALL_EVENT_TYPES);
    expect(CALL_EVENT_FIELDS.direction.values).to.equal(CALL_DIRECTIONS);
    expect(CALL_EVENT_FIELDS.outcome.values).to.equal(CALL_OUTCOMES);
  });

  it('reads list items and lengths as fieldAt does (call.rang.0, call.rang.length), and any sub-path of details and raw', () => {
    expect(lookupField('call.rang.0')).to.deep.equal({ found: true, field: { kind: 'string' } });
    expect(lookupField('call.rang.length')).to.deep.equal({ found: true, field: { kind: 'number' } });
    expect(matchesWhen(sample, { 'call.rang.0': '100', 'call.rang.length': { gte: 2 }, 'flags.0': 'voicemail' })).to.equal(true);
    expect(lookupField('details.media.mos')).to.include({ found: true });
    expect(lookupField('raw.nested.x')).to.include({ found: true });
    expect(matchesWhen(sample, { 'details.media.mos': { gt: 4 }, 'raw.nested.x': 1 })).to.equal(true);
  });

  it('refuses what fieldAt would read as nothing, and says what is valid at that level', () => {
    expect(lookupField('from.number')).to.deep.include({ found: false, prefix: 'from.' });
    expect((lookupField('from.number') as { known: string[] }).known).to.deep.equal(['from.raw', 'from.e164', 'from.extension', 'from.kind', 'from.name']);
    expect(lookupField('call.rang.first')).to.deep.include({ found: false, known: ['call.rang.<index>', 'call.rang.length'] });
    expect(lookupField('call.rang.01')).to.include({ found: false });
    expect(lookupField('talkSeconds.value')).to.include({ found: false });
    expect(lookupField('details.')).to.include({ found: false });
    expect(lookupField('toString')).to.include({ found: false });
    expect(lookupField('direcion')).to.include({ found: false });
  });
});
