import { describe, it } from 'mocha';
import { expect } from 'chai';
import { formatLocalTime, formatZonedTimestamp } from '../src/index.js';

describe('formatLocalTime and formatZonedTimestamp (the time zone building blocks of every sink)', () => {
  it('writes the wall-clock time of the zone, across a DST change', () => {
    expect(formatLocalTime('2026-11-24T13:03:05Z', 'Europe/Berlin')).to.equal('Tue 24 Nov 2026, 14:03 (Europe/Berlin)');
    expect(formatLocalTime('2026-07-01T13:03:05Z', 'Europe/Berlin')).to.equal('Wed 1 Jul 2026, 15:03 (Europe/Berlin)');
    expect(formatZonedTimestamp('2026-11-24T13:03:05Z', 'Europe/Berlin')).to.equal('2026-11-24 14:03:05+01:00');
    expect(formatZonedTimestamp('2026-07-01T13:03:05Z', 'America/New_York')).to.equal('2026-07-01 09:03:05-04:00');
  });

  it('tells apart the hour a DST change repeats, and writes +00:00 at offset zero', () => {
    // 2026-11-01 01:30 happens twice in New York.
    expect(formatZonedTimestamp('2026-11-01T05:30:00Z', 'America/New_York')).to.equal('2026-11-01 01:30:00-04:00');
    expect(formatZonedTimestamp('2026-11-01T06:30:00Z', 'America/New_York')).to.equal('2026-11-01 01:30:00-05:00');
    expect(formatZonedTimestamp(Date.UTC(2026, 0, 5, 10, 0, 0), 'UTC')).to.equal('2026-01-05 10:00:00+00:00');
  });

  it('gives undefined for what is not a date, and throws for an unknown zone', () => {
    expect(formatLocalTime('yesterday-ish', 'UTC')).to.equal(undefined);
    expect(formatZonedTimestamp('', 'UTC')).to.equal(undefined);
    expect(() => formatLocalTime('2026-01-05T10:00:00Z', 'Mars/Olympus')).to.throw(RangeError);
  });
});
