import { describe, it } from 'mocha';
import { expect } from 'chai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConnectorRegistry, configJsonSchema, registerBuiltins } from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';
import { validateWhen } from '../src/config/when-validation.js';

const schema = configJsonSchema(registerBuiltins(new ConnectorRegistry()).register(jambonz));
const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
const configWith = (when: unknown) => ({ sources: { pbx: { type: 'jambonz', auth: 'none' } }, sinks: { out: { type: 'console' } }, pipelines: { p: { from: ['pbx'], to: ['out'], when } } });
const editorAccepts = (when: unknown) => validate(configWith(when));

describe('config JSON Schema: when', () => {
  const valid: Record<string, unknown>[] = [
    { type: 'missed', direction: 'inbound' },
    { type: ['missed', 'completed'], outcome: { in: ['busy', null] }, clock: { ne: 'received' } },
    { 'agent.extension': 100, 'from.e164': { matches: '^\\+1' }, 'sip.status': [486, '603'], endsCall: 'true' },
    { talkSeconds: { gte: 0, lt: 60 }, 'call.rang.0': '100', 'call.rang.length': { gt: 1 }, flags: 'voicemail' },
    { 'details.queue.name': 'Sales', 'raw.CallDuration': { gt: 30 }, from: { exists: true }, recordingUrl: null },
    { any: [{ type: 'missed' }, { not: { direction: 'outbound' } }], all: [{ 'call.answeredBy': { exists: false } }] },
    { 'local.weekday': { in: ['mon', 'fri'] }, 'local.time': { between: ['22:00', '06:00'] }, 'local.date': '2026-12-24', businessHours: { closed: 'office' } },
    { 'route.team': 'sales', 'route.matched': false, not: { businessHours: { open: 'office' } } },
  ];

  it('accepts what `callrelay validate` accepts (an editor never flags a valid file)', () => {
    for (const when of valid) {
      expect(validateWhen(when), JSON.stringify(when)).to.deep.equal([]);
      expect(editorAccepts(when), `${JSON.stringify(when)}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    }
  });

  it('flags in the editor the typos `callrelay validate` refuses: field, value, operator', () => {
    for (const when of [{ type: 'mised' }, { direcion: 'inbound' }, { outcome: { not_in: ['busy'] } }, { talkSeconds: { matches: '^1' } }, { 'from.e164': { gt: 1 } }, { any: [{ type: 'mised' }] }, { 'call.rang.first': '1' },
      { 'local.weekdy': 'mon' }, { 'local.weekday': 'monday' }, { 'local.time': '9:00' }, { businessHours: { opne: 'office' } }, { talkSeconds: { between: ['09:00', '10:00'] } }]) {
      expect(validateWhen(when), JSON.stringify(when)).to.not.deep.equal([]);
      expect(editorAccepts(when), JSON.stringify(when)).to.equal(false);
    }
  });
});

describe('config JSON Schema: admin', () => {
  it('an editor accepts the admin section and flags a key it does not have', () => {
    const base = { sources: { pbx: { type: 'jambonz', auth: 'none' } } };
    expect(validate({ ...base, admin: { host: '0.0.0.0', port: 9464, token: '${ADMIN_TOKEN}' } }), JSON.stringify(validate.errors)).to.equal(true);
    expect(validate({ ...base, admin: { prot: 9464 } })).to.equal(false);
  });
});
