import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { z, type CallEvent } from '@callrelay/core';
import {
  ConnectorRegistry, ConfigError, formatIssue, matchesWhen, parseConfig, registerBuiltins, type ConfigIssue,
} from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';
import { validateWhen, type WhenIssue } from '../src/config/when-validation.js';
import { closestMatch } from '../src/config/did-you-mean.js';

const memoryStore = {
  kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({ path: z.string().default('x') }),
  create: () => { throw new Error('not used'); },
} as const;
const registry = () => registerBuiltins(new ConnectorRegistry()).register(jambonz, memoryStore as never);
const load = (text: string) => parseConfig(text, { file: 'when.yaml', registry: registry(), env: {}, baseDir: '/tmp' });
const issuesOf = async (text: string): Promise<ConfigIssue[]> => {
  try {
    await load(text);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be refused');
};
/** A file with one source `pbx`, one sink `alerts` and one pipeline `p` whose `when` is the given lines. */
const withWhen = (...lines: string[]) => [
  'sources:',
  '  pbx: { type: jambonz, auth: none }',
  'sinks:',
  '  alerts: { type: console }',
  'pipelines:',
  '  p:',
  '    from: [pbx]',
  '    to: [alerts]',
  '    when:',            // line 9
  ...lines.map((l) => `      ${l}`), // line 10 onwards, column 7
  '',
].join('\n');

const only = (issues: WhenIssue[]) => issues.map(({ path, code }) => `${path.join('.')} ${code}`);

describe('config: when is checked against the canonical event', () => {
  it('reports the issue\'s example, `type: mised, direcion: inbound`, with line, column, the valid values and a did-you-mean', async () => {
    const issues = await issuesOf(withWhen('{ type: mised, direcion: inbound }'));
    expect(issues).to.have.length(2);
    const [value, field] = issues;
    // `{ type: mised, direcion: inbound }` starts at column 7 of line 10: `mised` at 15, `direcion` at 22.
    expect(value).to.include({ line: 10, column: 15, path: 'pipelines.p.when.type', code: 'CONFIG_WHEN_UNKNOWN_VALUE', found: 'string "mised"', hint: 'did you mean "missed"?' });
    expect(value!.expected).to.equal('one of started, ringing, answered, transferred, ended, recording, missed, completed, called_back, unknown');
    expect(field).to.include({ line: 10, column: 22, path: 'pipelines.p.when.direcion', code: 'CONFIG_WHEN_UNKNOWN_FIELD', hint: 'did you mean "direction"?' });
    for (const path of ['type', 'direction', 'from.{raw, e164, extension, kind, name}', 'call.{legs, rang', 'details.<any key>', 'raw.<any key>']) expect(field!.expected).to.include(path);
    expect(formatIssue(value!)).to.match(/^when\.yaml:10:15: pipelines\.p\.when\.type: unknown type "mised" \(expected one of started, .*\) \[CONFIG_WHEN_UNKNOWN_VALUE\]\n {4}hint: did you mean "missed"\?$/);
  });

  it('accepts every documented form: values, lists, operators, all/any/not, dotted and list paths', async () => {
    const config = await load(withWhen(
      'type: [missed, completed]',
      'direction: { ne: outbound }',
      'outcome: { in: [no-answer, busy, null] }',
      'source: pbx',
      'platform: jambonz',
      'agent.extension: { in: ["100", 101] }',
      'from.e164: { matches: \'^\\+1(212|415)\' }',
      'talkSeconds: { gte: 0, lt: 3600 }',
      'sip.status: [486, "603"]',
      'endsCall: true',
      'recordingUrl: { exists: false }',
      'call.rang.0: { exists: true }',
      'call.rang.length: { gte: 1 }',
      'flags: { notIn: [timed-out] }',
      'details.queue.name: Sales',
      'raw.CallDuration: { gt: 0 }',
      'from: { exists: true }',
      'clock: platform',
      'any: [{ type: missed }, { not: { direction: internal } }]',
      'all: [{ hangupCause: null }]',
    ));
    expect(config.pipelines[0]!.when).to.have.property('agent.extension');
  });

  it('lists the valid sub-fields of a known group for an unknown one (from.number)', () => {
    const [issue] = validateWhen({ 'from.number': '+14155550100' });
    expect(issue).to.include({ code: 'CONFIG_WHEN_UNKNOWN_FIELD', expected: 'one of from.raw, from.e164, from.extension, from.kind, from.name' });
    expect(validateWhen({ 'agent.extention': '100' })[0]).to.include({ hint: 'did you mean "agent.extension"?' });
    expect(validateWhen({ 'call.rang.first': '100' })[0]).to.include({ expected: 'one of call.rang.<index>, call.rang.length' });
  });

  it('checks values of enum fields in lists and in eq, ne, in and notIn, with did-you-mean', () => {
    const issues = validateWhen({
      type: ['missed', 'complete'], direction: { eq: 'Inbound' }, outcome: { ne: 'cancelled', in: ['busy', 'noanswer'], notIn: ['answred'] },
    });
    expect(issues.map((i) => `${i.path.join('.')} ${i.code} ${i.hint}`)).to.deep.equal([
      'type.1 CONFIG_WHEN_UNKNOWN_VALUE did you mean "completed"?',
      'direction.eq CONFIG_WHEN_UNKNOWN_VALUE did you mean "inbound"?',
      'outcome.ne CONFIG_WHEN_UNKNOWN_VALUE did you mean "canceled"?',
      'outcome.in.1 CONFIG_WHEN_UNKNOWN_VALUE did you mean "no-answer"?',
      'outcome.notIn.0 CONFIG_WHEN_UNKNOWN_VALUE did you mean "answered"?',
    ]);
    expect(validateWhen({ type: 'voicemail' })[0]).to.not.have.property('hint');
  });

  it('refuses unknown operators, listing them, and points a nested mapping at its dotted path', () => {
    const [typo, nested, regex] = validateWhen({ outcome: { not_in: ['busy'] }, from: { e164: '+14155550100' }, status: { regex: 'x' } });
    expect(typo).to.include({ code: 'CONFIG_WHEN_UNKNOWN_OPERATOR', hint: 'did you mean "notIn"?', expected: 'one of eq, ne, in, notIn, exists, matches, gt, gte, lt, lte, between' });
    expect(typo!.path).to.deep.equal(['outcome', 'not_in']);
    expect(nested).to.include({ code: 'CONFIG_WHEN_UNKNOWN_OPERATOR', hint: 'to test a field of from, name it with a dotted path: from.e164: ...' });
    expect(regex).to.include({ code: 'CONFIG_WHEN_UNKNOWN_OPERATOR' });
    expect(validateWhen({ in: ['missed'] })[0]).to.include({ code: 'CONFIG_WHEN_UNKNOWN_FIELD', hint: 'in is an operator: put it under the field it tests, e.g. type: { in: ... }' });
  });

  it('allows numeric operators on numeric fields only, with numbers', () => {
    expect(only(validateWhen({ talkSeconds: { gt: 5 }, 'sip.status': { gte: 400, lt: 500 }, 'raw.Duration': { lte: 3 } }))).to.deep.equal([]);
    expect(only(validateWhen({ 'from.e164': { gt: 5 }, type: { lt: 1 }, talkSeconds: { gt: '5' }, endsCall: { gte: 1 } }))).to.deep.equal([
      'from.e164.gt CONFIG_WHEN_WRONG_TYPE', 'type.lt CONFIG_WHEN_WRONG_TYPE', 'talkSeconds.gt CONFIG_WHEN_WRONG_TYPE', 'endsCall.gte CONFIG_WHEN_WRONG_TYPE',
    ]);
  });

  it('requires matches to compile as a RegExp, on text fields, and to match some value of an enum', () => {
    expect(only(validateWhen({ 'from.e164': { matches: '^\\+1' }, type: { matches: '^(missed|completed)$' }, 'call.rang': { matches: '^10' } }))).to.deep.equal([]);
    const [bad, onNumber, none] = validateWhen({ 'from.raw': { matches: '(' }, talkSeconds: { matches: '^1' }, type: { matches: '^mised$' } });
    expect(bad).to.include({ code: 'CONFIG_WHEN_BAD_REGEX' });
    expect(bad!.message).to.match(/not a valid regular expression: .*Unterminated group/);
    expect(onNumber).to.include({ code: 'CONFIG_WHEN_WRONG_TYPE' });
    expect(none).to.include({ code: 'CONFIG_WHEN_UNKNOWN_VALUE' });
  });

  it('refuses values a field can never equal, and quotes what YAML read as a number', async () => {
    expect(only(validateWhen({ talkSeconds: 'ten', 'sip.status': '486', endsCall: 'no', from: 'x', 'call.transfers': [1, 'one'] }))).to.deep.equal([
      'talkSeconds CONFIG_WHEN_WRONG_TYPE', 'endsCall CONFIG_WHEN_WRONG_TYPE', 'from CONFIG_WHEN_WRONG_TYPE', 'call.transfers.1 CONFIG_WHEN_WRONG_TYPE',
    ]);
    const issues = await issuesOf(withWhen('from.e164: +14155550100', 'agent.extension: [100, 0101]'));
    expect(issues.map((i) => [i.line, i.column, i.path, i.code])).to.deep.equal([
      [10, 18, 'pipelines.p.when.from.e164', 'CONFIG_WHEN_WRONG_TYPE'],
      [11, 30, 'pipelines.p.when.agent.extension.1', 'CONFIG_WHEN_WRONG_TYPE'],
    ]);
    expect(issues[0]!.hint).to.equal('write it in quotes: from.e164: "+14155550100" (unquoted, YAML reads +14155550100 as the number 14155550100)');
  });

  it('checks source against the pipeline\'s from and platform against its sources\' connectors', async () => {
    const issues = await issuesOf(withWhen('source: pbxx', 'platform: 3cx'));
    expect(issues.map((i) => [i.path, i.code, i.expected, i.hint])).to.deep.equal([
      ['pipelines.p.when.source', 'CONFIG_WHEN_UNKNOWN_VALUE', 'one of pbx', 'did you mean "pbx"?'],
      ['pipelines.p.when.platform', 'CONFIG_WHEN_UNKNOWN_VALUE', 'one of jambonz', undefined],
    ]);
    // Without the file's context (a programmatic check), any text goes.
    expect(only(validateWhen({ source: 'anything', platform: 'acme' }))).to.deep.equal([]);
  });

  it('reports empty lists and mappings that match no event, or every event', () => {
    expect(only(validateWhen({ type: [], outcome: { in: [] }, any: [], not: {}, direction: {} }))).to.deep.equal([
      'type CONFIG_WHEN_EMPTY', 'outcome.in CONFIG_WHEN_EMPTY', 'any CONFIG_WHEN_EMPTY', 'not CONFIG_WHEN_EMPTY', 'direction CONFIG_WHEN_EMPTY',
    ]);
    expect(only(validateWhen({ all: [], outcome: { notIn: [] } }))).to.deep.equal([]);
  });

  it('recurses into all, any and not with the path of each clause', async () => {
    const when = { all: [{ type: 'missed' }, { any: [{ direction: 'inbund' }, { not: { oucome: 'busy' } }] }], not: 'missed', any: { type: 'missed' } };
    expect(only(validateWhen(when))).to.deep.equal([
      'all.1.any.0.direction CONFIG_WHEN_UNKNOWN_VALUE', 'all.1.any.1.not.oucome CONFIG_WHEN_UNKNOWN_FIELD', 'not CONFIG_WHEN_WRONG_TYPE', 'any CONFIG_WHEN_WRONG_TYPE',
    ]);
    const issues = await issuesOf(withWhen('all:', '  - type: missed', '  - any:', '      - direction: inbund'));
    expect(issues.map((i) => [i.line, i.column, i.path])).to.deep.equal([[13, 26, 'pipelines.p.when.all.1.any.0.direction']]);
  });
});

describe('config: every error of a pipeline is reported', () => {
  it('an unknown source in from, an unknown sink in to and bad when keys, together', async () => {
    const issues = await issuesOf([
      'sources:',
      '  pbx: { type: jambonz, auth: none }',
      'sinks:',
      '  alerts: { type: console }',
      'pipelines:',
      '  p:',
      '    from: [pbx, pbz]',
      '    to: [alertz]',
      '    when: { type: mised, direcion: inbound, outcome: { regex: busy } }',
      '',
    ].join('\n'));
    expect(issues.map((i) => [i.line, i.column, i.path, i.code])).to.deep.equal([
      [7, 17, 'pipelines.p.from.1', 'CONFIG_UNKNOWN_SOURCE'],
      [8, 10, 'pipelines.p.to.0', 'CONFIG_UNKNOWN_SINK'],
      [9, 19, 'pipelines.p.when.type', 'CONFIG_WHEN_UNKNOWN_VALUE'],
      [9, 26, 'pipelines.p.when.direcion', 'CONFIG_WHEN_UNKNOWN_FIELD'],
      [9, 56, 'pipelines.p.when.outcome.regex', 'CONFIG_WHEN_UNKNOWN_OPERATOR'],
    ]);
    expect(issues[0]!.hint).to.equal('did you mean "pbx"? (sources defined in this file: pbx)');
    expect(issues[1]!.hint).to.equal('did you mean "alerts"? (sinks defined in this file: alerts)');
  });

  it('a missing from together with an unknown sink in to (bug: only the first error of a pipeline was reported)', async () => {
    const issues = await issuesOf('sources:\n  pbx: { type: jambonz, auth: none }\nsinks:\n  alerts: { type: console }\npipelines:\n  p:\n    to: [alertz]\n    when: { type: mised }\n');
    expect(issues.map((i) => [i.line, i.path, i.message])).to.deep.equal([
      [6, 'pipelines.p.from', 'required key is missing'],
      [7, 'pipelines.p.to.0', 'no sink with id "alertz"'],
      [8, 'pipelines.p.when.type', 'unknown type "mised"'],
    ]);
  });

  it('a source whose own settings are wrong is not also reported missing from the pipelines naming it', async () => {
    const issues = await issuesOf('sources:\n  pbx: { auth: none }\nsinks:\n  alerts: { type: console }\npipelines:\n  p: { from: [pbx], to: [alerts] }\n');
    expect(issues.map((i) => i.path)).to.deep.equal(['sources.pbx.type']);
  });
});

describe('when matching (pipeline/filter.ts)', () => {
  const event = {
    id: 'e', source: 'pbx', platform: 'signalwire', callId: 'c', type: 'missed', direction: 'inbound', occurredAt: '', receivedAt: '',
    agent: { raw: '100', extension: '100' }, endsCall: true, call: { legs: [], rang: ['100', '205'], transfers: 0, recordingUrls: [], eventCount: 3 },
    raw: { CallDuration: '42', Answered: 'false' },
  } as unknown as CallEvent;

  it('a YAML number matches a text field written the same (bug: `agent.extension: 100` never matched "100")', () => {
    expect(matchesWhen(event, { 'agent.extension': 100 })).to.equal(true);
    expect(matchesWhen(event, { 'agent.extension': { in: [100, 101] } })).to.equal(true);
    expect(matchesWhen(event, { 'agent.extension': 101 })).to.equal(false);
    expect(matchesWhen(event, { endsCall: 'true', 'raw.Answered': false })).to.equal(true);
  });

  it('matches tests each item of a list field (bug: `call.rang: { matches }` never matched)', () => {
    expect(matchesWhen(event, { 'call.rang': { matches: '^2' } })).to.equal(true);
    expect(matchesWhen(event, { 'call.rang': { matches: '^3' } })).to.equal(false);
  });

  it('gt/gte/lt/lte read numeric text (bug: form-encoded `raw.CallDuration: { gt: 30 }` never matched)', () => {
    expect(matchesWhen(event, { 'raw.CallDuration': { gt: 30, lte: 42 } })).to.equal(true);
    expect(matchesWhen(event, { 'raw.CallDuration': { lt: 30 } })).to.equal(false);
    expect(matchesWhen(event, { 'raw.Answered': { gt: 0 } })).to.equal(false);
    expect(matchesWhen({ ...event, raw: { CallDuration: '' } }, { 'raw.CallDuration': { lt: 1 } })).to.equal(false);
  });
});

describe('did you mean', () => {
  it('suggests a candidate one edit in three characters away, ignoring case, and nothing further', () => {
    expect(closestMatch('mised', ['missed', 'completed'])).to.equal('missed');
    expect(closestMatch('Inbound', ['inbound', 'outbound'])).to.equal('inbound');
    expect(closestMatch('cancelled', ['canceled', 'failed'])).to.equal('canceled');
    expect(closestMatch('voicemail', ['missed', 'completed'])).to.equal(undefined);
    expect(closestMatch('missed', ['missed'])).to.equal(undefined);
  });
});
