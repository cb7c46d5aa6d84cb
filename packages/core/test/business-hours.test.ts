import { describe, it } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CallEvent } from '@callrelay/core';
import { BusinessCalendar, icalClosures, localTime, loadCalendars, matchesWhen, type WhenEnvironment } from '@callrelay/core/host';

const fixtures = path.dirname(fileURLToPath(new URL('./fixtures/holidays.ics', import.meta.url)));
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Mon-Fri 09:00-17:30 in Berlin, closed on 2026-12-24..26. */
const office = new BusinessCalendar({
  name: 'office', timeZone: 'Europe/Berlin',
  weekly: { mon: ['09:00-17:30'], tue: ['09:00-17:30'], wed: ['09:00-17:30'], thu: ['09:00-17:30'], fri: ['09:00-17:30'] },
  closedDates: new Set(['2026-12-24', '2026-12-25', '2026-12-26']),
});
/** A night desk: 22:00-06:00 every night but Saturday's. */
const nightDesk = new BusinessCalendar({
  name: 'night', timeZone: 'Europe/Berlin',
  weekly: { mon: ['22:00-06:00'], tue: ['22:00-06:00'], wed: ['22:00-06:00'], thu: ['22:00-06:00'], fri: ['22:00-06:00'], sun: ['22:00-06:00'] },
  closedDates: new Set(),
});

function event(startedAt: string, extra: Partial<CallEvent> = {}): CallEvent {
  return { id: 'e1', source: 'pbx', platform: 'jambonz', callId: 'c1', type: 'missed', direction: 'inbound', occurredAt: startedAt, receivedAt: startedAt, startedAt, raw: {}, ...extra };
}

describe('business hours: evaluation', () => {
  it('is open inside the weekly hours, closed outside them and at the end minute (end excluded)', () => {
    // 2026-03-02 is a Monday; Berlin is UTC+1 in winter.
    expect(office.isOpen(at('2026-03-02T08:00:00Z'))).to.equal(true); // 09:00 local
    expect(office.isOpen(at('2026-03-02T07:59:00Z'))).to.equal(false); // 08:59
    expect(office.isOpen(at('2026-03-02T16:29:00Z'))).to.equal(true); // 17:29
    expect(office.isOpen(at('2026-03-02T16:30:00Z'))).to.equal(false); // 17:30
    expect(office.isOpen(at('2026-03-07T10:00:00Z'))).to.equal(false); // Saturday
  });

  it('a holiday is closed all day, and the next opening skips it', () => {
    // Thursday 2026-12-24 11:00 local: a weekday inside the hours, but a holiday.
    expect(office.isOpen(at('2026-12-24T10:00:00Z'))).to.equal(false);
    // Wed 23rd, 20:00 local -> Thu/Fri/Sat closed, Sun closed -> Monday 28th 09:00 local.
    expect(iso(office.nextOpening(at('2026-12-23T19:00:00Z')))).to.equal('2026-12-28T08:00:00.000Z');
  });

  it('an overnight range opens on its day and closes the next morning', () => {
    // Monday 23:30 and Tuesday 05:59 local are open; Tuesday 06:00 is not; Saturday 23:00 is not (no range).
    expect(nightDesk.isOpen(at('2026-03-02T22:30:00Z'))).to.equal(true);
    expect(nightDesk.isOpen(at('2026-03-03T04:59:00Z'))).to.equal(true);
    expect(nightDesk.isOpen(at('2026-03-03T05:00:00Z'))).to.equal(false);
    expect(nightDesk.isOpen(at('2026-03-07T22:00:00Z'))).to.equal(false);
    // Saturday night's early hours still belong to Friday's range.
    expect(nightDesk.isOpen(at('2026-03-07T03:00:00Z'))).to.equal(true);
    expect(iso(nightDesk.nextOpening(at('2026-03-03T05:00:00Z')))).to.equal('2026-03-03T21:00:00.000Z');
  });

  it('follows DST: 09:00 is on the wall clock on both sides of a change', () => {
    // Europe/Berlin springs forward on 2026-03-29 (Sunday): Monday 30th opens at 07:00 UTC, not 08:00.
    expect(iso(office.nextOpening(at('2026-03-27T17:00:00Z')))).to.equal('2026-03-30T07:00:00.000Z');
    // And falls back on 2026-10-25: Monday 26th opens at 08:00 UTC.
    expect(iso(office.nextOpening(at('2026-10-23T17:00:00Z')))).to.equal('2026-10-26T08:00:00.000Z');
    expect(office.isOpen(at('2026-03-30T07:00:00Z'))).to.equal(true);
    expect(office.isOpen(at('2026-03-27T07:30:00Z'))).to.equal(false); // Friday before: 08:30 local (UTC+1)
  });

  it('an opening at a time the DST change skips happens right after the gap', () => {
    const early = new BusinessCalendar({ name: 'early', timeZone: 'Europe/Berlin', weekly: { sun: ['02:30-05:00'] }, closedDates: new Set() });
    // 02:30 does not exist on 2026-03-29 in Berlin: clocks go from 02:00 to 03:00 (01:00 UTC).
    expect(iso(early.nextOpening(at('2026-03-28T12:00:00Z')))).to.equal('2026-03-29T01:00:00.000Z');
  });

  it('reads the hours in another zone when asked (a source or a routing row in New York)', () => {
    // 09:30 in New York on a Monday is 14:30 UTC: open in New York, already 15:30 in Berlin (open too).
    expect(office.isOpen(at('2026-03-02T14:30:00Z'), 'America/New_York')).to.equal(true);
    // 08:00 UTC: 09:00 in Berlin (open), 03:00 in New York (closed).
    expect(office.isOpen(at('2026-03-02T08:00:00Z'))).to.equal(true);
    expect(office.isOpen(at('2026-03-02T08:00:00Z'), 'America/New_York')).to.equal(false);
  });

  it('localTime gives the weekday, date and time on the local wall clock', () => {
    expect(localTime(at('2026-03-01T23:30:00Z'), 'Europe/Berlin')).to.deep.equal({ weekday: 'mon', date: '2026-03-02', time: '00:30', timeZone: 'Europe/Berlin' });
    expect(localTime(at('2026-03-01T23:30:00Z'), 'UTC').weekday).to.equal('sun');
  });
});

describe('business hours: iCalendar holidays', () => {
  const text = readFileSync(path.join(fixtures, 'holidays.ics'), 'utf8');

  it('expands a yearly all-day event (DTEND excluded) and keeps a timed event as a span', () => {
    const closures = icalClosures(text, at('2026-06-01T00:00:00Z'));
    expect([...closures.dates]).to.include.members(['2025-12-25', '2025-12-26', '2026-12-25', '2026-12-26', '2027-12-25']);
    expect([...closures.dates]).to.not.include('2026-12-27');
    expect(closures.spans).to.deep.include({ start: at('2026-03-05T12:00:00Z'), end: at('2026-03-05T15:00:00Z') });
  });

  it('loadCalendars closes the iCal dates and spans, and the opening after a span is its end', async () => {
    const { calendars, issues } = await loadCalendars({
      office: { timeZone: 'Europe/Berlin', weekly: { thu: ['09:00-17:30'], fri: ['09:00-17:30'] }, holidays: [], ical: 'holidays.ics', icalTimeoutMs: 1000 },
    }, { baseDir: fixtures, http: fetch, now: at('2026-06-01T00:00:00Z') });
    expect(issues).to.deep.equal([]);
    const calendar = calendars.get('office')!;
    expect(calendar.isOpen(at('2026-12-25T10:00:00Z'))).to.equal(false); // Friday, Christmas
    expect(calendar.isOpen(at('2026-03-05T13:00:00Z'))).to.equal(false); // Thursday, the offsite
    expect(iso(calendar.nextOpening(at('2026-03-05T13:00:00Z')))).to.equal('2026-03-05T15:00:00.000Z');
  });

  it('fetches an iCal URL once per process, and a URL that does not answer in time is an issue', async () => {
    let requests = 0;
    const server: Server = createServer((req, res) => {
      requests++;
      if (req.url === '/slow.ics') return; // never answers
      res.writeHead(200, { 'content-type': 'text/calendar' }).end(text);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const entry = (ical: string) => ({ timeZone: 'Europe/Berlin', weekly: { fri: ['09:00-17:30'] }, holidays: [], ical, icalTimeoutMs: 300 });
      const options = { baseDir: fixtures, http: fetch, now: at('2026-06-01T00:00:00Z') };
      const first = await loadCalendars({ office: entry(`${base}/holidays.ics`) }, options);
      expect(first.issues).to.deep.equal([]);
      expect(first.calendars.get('office')!.isOpen(at('2026-12-25T10:00:00Z'))).to.equal(false);
      await loadCalendars({ office: entry(`${base}/holidays.ics`) }, options);
      expect(requests).to.equal(1);
      const slow = await loadCalendars({ office: entry(`${base}/slow.ics`) }, options);
      expect(slow.issues.map((i) => [i.path, i.message])).to.deep.equal([[['office', 'ical'], `loading ${base}/slow.ics: The operation was aborted due to timeout`]]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a file that cannot be read is an issue at businessHours.<name>.ical, naming the file', async () => {
    const { issues } = await loadCalendars({
      office: { timeZone: 'UTC', weekly: {}, holidays: [], ical: 'missing.ics', icalTimeoutMs: 1000 },
    }, { baseDir: fixtures, http: fetch, now: Date.now() });
    expect(issues).to.have.length(1);
    expect(issues[0]!.path).to.deep.equal(['office', 'ical']);
    expect(issues[0]!.message).to.match(/^loading missing\.ics: .*ENOENT/);
  });
});

describe('when: local time and business hours', () => {
  const env: WhenEnvironment = { calendars: new Map([['office', office]]), sourceTimeZones: new Map([['pbx', 'Europe/Berlin']]) };

  it('local.weekday and local.time read the call start in its source\'s zone', () => {
    const mondayNight = event('2026-03-02T21:30:00Z'); // 22:30 Monday in Berlin
    expect(matchesWhen(mondayNight, { 'local.weekday': { in: ['mon', 'tue'] } }, env)).to.equal(true);
    expect(matchesWhen(mondayNight, { 'local.time': { between: ['22:00', '06:00'] } }, env)).to.equal(true);
    expect(matchesWhen(mondayNight, { 'local.time': { between: ['09:00', '17:30'] } }, env)).to.equal(false);
    // Without a zone for the source, UTC: 21:30.
    expect(matchesWhen(mondayNight, { 'local.time': { between: ['21:00', '22:00'] } })).to.equal(true);
  });

  it('businessHours open/closed, and a routing row\'s time zone wins over the source\'s', () => {
    const morning = event('2026-03-02T08:30:00Z'); // 09:30 Berlin, 03:30 New York
    expect(matchesWhen(morning, { businessHours: { open: 'office' } }, env)).to.equal(true);
    expect(matchesWhen(morning, { businessHours: { closed: 'office' } }, env)).to.equal(false);
    const routed = { ...morning, route: { table: 't', matched: true, timeZone: 'America/New_York' } };
    expect(matchesWhen(routed, { businessHours: { closed: 'office' } }, env)).to.equal(true);
    expect(matchesWhen(event('2026-12-24T10:00:00Z'), { businessHours: { closed: 'office' } }, env)).to.equal(true);
  });

  it('an unknown calendar, or no environment, matches nothing', () => {
    expect(matchesWhen(event('2026-03-02T08:30:00Z'), { businessHours: { open: 'office' } })).to.equal(false);
  });
});
