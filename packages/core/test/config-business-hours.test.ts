import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { z } from '@callrelay/core';
import { ConnectorRegistry, ConfigError, parseConfig, registerBuiltins } from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';

const memoryStore = {
  kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({ path: z.string().default('x') }),
  create: () => { throw new Error('not used'); },
} as const;
const registry = () => registerBuiltins(new ConnectorRegistry()).register(jambonz, memoryStore as never);
const load = (text: string) => parseConfig(text, { file: 'test.yaml', registry: registry(), env: {}, baseDir: '/tmp' });
const issuesOf = async (text: string) => {
  try {
    await load(text);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be refused');
};

const head = `
sources:
  pbx: { type: jambonz, auth: none, timeZone: Europe/Berlin }
sinks:
  out: { type: console }
businessHours:
  office:
    timeZone: Europe/Berlin
    weekly: { mon: ["09:00-17:30"], tue: ["09:00-17:30"], sat: ["22:00-06:00"] }
    holidays: ["2026-12-25", { date: "2026-12-31..2027-01-01", name: New year }]
routes:
  teams:
    defaultCountry: DE
    rows:
      "030 1234567": { team: sales, slackChannel: C0SALES001 }
    default: { team: reception }
`;

describe('config: business hours, routing tables, filter and route steps', () => {
  it('accepts the sections, time conditions, steps and a digest, and resolves them', async () => {
    const config = await load(`${head}
pipelines:
  night:
    from: [pbx]
    when: { type: missed, businessHours: { closed: office }, local.weekday: { in: [mon, tue] }, local.time: { between: ["22:00", "06:00"] } }
    transforms:
      - { type: route, table: teams }
      - { type: filter, when: { route.team: sales } }
    to: [out]
    digest: { calendar: office }
`);
    expect(config.sources[0]!.timeZone).to.equal('Europe/Berlin');
    expect(config.pipelines[0]!.digest).to.deep.equal({ calendar: 'office' });
    expect(config.pipelines[0]!.transforms.map((t) => t.definition.type)).to.deep.equal(['route', 'filter']);
    expect([...config.environment.calendars.keys()]).to.deep.equal(['office']);
    const table = config.environment.routeTables.get('teams')!;
    const event = { id: 'e', source: 'pbx', platform: 'jambonz', callId: 'c', type: 'missed', direction: 'inbound', occurredAt: '', receivedAt: '', raw: {} } as const;
    // The row written nationally matches the E.164 number of an event.
    expect(table.lookup({ ...event, to: { raw: '+49301234567', e164: '+49301234567' } })).to.include({ team: 'sales', matched: true });
    expect(table.lookup({ ...event, to: { raw: '+4940999', e164: '+4940999' } })).to.include({ team: 'reception', matched: false });
  });

  it('names an unknown calendar with did-you-mean, in when, in a filter step and in digest', async () => {
    const issues = await issuesOf(`${head}
pipelines:
  p:
    from: [pbx]
    when: { businessHours: { open: ofice } }
    transforms: [{ type: filter, when: { businessHours: { closed: offise } } }]
    to: [out]
    digest: { calendar: offce }
`);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    expect(byPath['pipelines.p.when.businessHours.open']).to.deep.include({ message: 'no business hours named "ofice"', hint: 'did you mean "office"?' });
    expect(byPath['pipelines.p.transforms.0.when.businessHours.closed']?.message).to.equal('no business hours named "offise"');
    expect(byPath['pipelines.p.digest.calendar']?.message).to.equal('no business hours named "offce"');
  });

  it('refuses bad times, between on another field, a wrong businessHours key, a bad weekday and an unknown table', async () => {
    const issues = await issuesOf(`${head}
pipelines:
  p:
    from: [pbx]
    when:
      local.time: { between: ["9:00", "17:30"] }
      local.weekday: mo
      talkSeconds: { between: ["09:00", "10:00"] }
      businessHours: { opne: office }
    transforms: [{ type: route, table: team }]
    to: [out]
`);
    const paths = issues.map((i) => i.path);
    expect(paths).to.include.members([
      'pipelines.p.when.local.time.between', 'pipelines.p.when.local.weekday', 'pipelines.p.when.talkSeconds.between',
      'pipelines.p.when.businessHours', 'pipelines.p.transforms.0.table',
    ]);
    expect(issues.find((i) => i.path === 'pipelines.p.when.local.weekday')?.hint).to.equal('did you mean "mon"?');
    expect(issues.find((i) => i.path === 'pipelines.p.when.businessHours')?.hint).to.equal('did you mean "open"?');
    expect(issues.find((i) => i.path === 'pipelines.p.transforms.0.table')).to.deep.include({ message: 'no routing table named "team"', hint: 'did you mean "teams"?' });
  });

  it('refuses bad hours, holidays and time zones in the sections, with their paths', async () => {
    const issues = await issuesOf(`
sources:
  pbx: { type: jambonz, auth: none, timeZone: Europe/Berln }
sinks:
  out: { type: console }
businessHours:
  office:
    timeZone: Mars/Olympus
    weekly: { mon: ["9-17"], fri: ["09:00-09:00"], funday: ["10:00-11:00"] }
    holidays: ["2026-02-30", "2026-12-26..2026-12-24"]
routes:
  teams: { rows: { "+1": { timeZone: Nowhere/Land } } }
pipelines:
  p: { from: [pbx], to: [out] }
`);
    const paths = issues.map((i) => i.path);
    expect(paths).to.include.members([
      'sources.pbx.timeZone', 'businessHours.office.timeZone', 'businessHours.office.weekly.mon.0', 'businessHours.office.weekly.fri.0',
      'businessHours.office.weekly.funday', 'businessHours.office.holidays.0', 'businessHours.office.holidays.1', 'routes.teams.rows.+1.timeZone',
    ]);
  });

  it('a calendar whose iCal file is missing stops the load, naming the file', async () => {
    const issues = await issuesOf(`${head.replace('    holidays:', '    ical: no-such-file.ics\n    holidays:')}
pipelines:
  p: { from: [pbx], to: [out] }
`);
    expect(issues.find((i) => i.path === 'businessHours.office.ical')?.message).to.match(/^loading no-such-file\.ics: .*ENOENT/);
  });
});
