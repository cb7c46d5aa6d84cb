import { describe, it } from 'mocha';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { BACKOFF_JITTER, backoffDelay, backoffSchedule, backoffSpan, deliverySchema, type ScheduledWait } from '@callrelay/core/host';

const HOUR = 3_600_000;
const defaults = deliverySchema.parse({});

/** `0.8 s`, `4 min 16 s`, `1 h 05 min`: short enough for a table cell. */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

/** The table of docs/configuration.md: one row per wait, consecutive equal waits (at the cap) in one row. */
function scheduleTable(waits: ScheduledWait[]): string {
  const rows: string[] = [];
  let elapsed = { min: 0, max: 0 };
  for (let i = 0; i < waits.length;) {
    let j = i;
    while (j + 1 < waits.length && waits[j + 1]!.minMs === waits[i]!.minMs && waits[j + 1]!.maxMs === waits[i]!.maxMs) j++;
    for (let k = i; k <= j; k++) elapsed = { min: elapsed.min + waits[k]!.minMs, max: elapsed.max + waits[k]!.maxMs };
    const attempts = i === j ? `${waits[i]!.afterAttempt + 1}` : `${waits[i]!.afterAttempt + 1}–${waits[j]!.afterAttempt + 1}`;
    rows.push(`| ${attempts} | ${duration(waits[i]!.minMs)} – ${duration(waits[i]!.maxMs)}${i === j ? '' : ' each'} | ${duration(elapsed.min)} – ${duration(elapsed.max)} |`);
    i = j + 1;
  }
  return ['| Attempt | Wait before it | Since the first attempt |', '| --- | --- | --- |', ...rows].join('\n');
}

describe('retry schedule', () => {
  it('the default schedule no longer gives up after 63-127 s: it spans about a day, whatever the jitter', () => {
    // The bug: 8 attempts from 1 s doubling never reached the 300 s cap and dead-lettered after
    // 63 to 127 s, so a 5-minute receiver outage dead-lettered a quarter of the deliveries.
    const span = backoffSpan(defaults);
    expect(span.minMs, duration(span.minMs)).to.be.at.least(20 * HOUR);
    expect(span.maxMs, duration(span.maxMs)).to.be.at.most(28 * HOUR);
    expect(duration(span.minMs)).to.equal('21 h 42 min');
    expect(duration(span.maxMs)).to.equal('27 h 08 min');
    // A 5-minute outage costs no delivery: 5 minutes in, every delivery still has attempts left.
    const schedule = backoffSchedule(defaults);
    let elapsed = 0;
    let attempt = 1;
    for (const wait of schedule) {
      if (elapsed > 5 * 60_000) break;
      elapsed += wait.maxMs;
      attempt += 1;
    }
    expect(attempt).to.be.below(defaults.maxAttempts);
  });

  it('reaches maxBackoffMs and then retries at that interval', () => {
    const schedule = backoffSchedule(defaults);
    expect(schedule).to.have.length(defaults.maxAttempts - 1);
    expect(schedule.at(-1)).to.deep.include({ maxMs: defaults.maxBackoffMs, minMs: defaults.maxBackoffMs * (1 - BACKOFF_JITTER) });
    expect(schedule.filter((w) => w.maxMs === defaults.maxBackoffMs).length).to.be.greaterThan(20);
  });

  it('each wait is its exponential step shortened by up to 20 % at random, never below Retry-After', () => {
    const options = { initialBackoffMs: 1000, maxBackoffMs: 8000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, 0, () => 0))).to.deep.equal([1000, 2000, 4000, 8000, 8000]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, 0, () => 0.5))).to.deep.equal([900, 1800, 3600, 7200, 7200]);
    expect(backoffDelay(1, options, 30_000, () => 0.5)).to.equal(30_000);
    for (let i = 0; i < 1000; i++) {
      const wait = backoffDelay(3, options);
      expect(wait).to.be.within(3200, 4000);
    }
  });

  it('docs/configuration.md shows the default schedule as computed', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(docs, `expected this table in docs/configuration.md:\n${scheduleTable(backoffSchedule(defaults))}`).to.include(scheduleTable(backoffSchedule(defaults)));
    expect(docs).to.include(`| \`maxAttempts\` | integer | \`${defaults.maxAttempts}\` |`);
    expect(docs).to.include(`| \`maxBackoffMs\` | integer | \`${defaults.maxBackoffMs}\` |`);
  });
});
