import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../errors.js';
import { BusinessCalendar } from './calendar.js';
import { icalClosures } from './ical-closures.js';
import type { BusinessHoursConfig } from './schema.js';

/** One problem found while loading a calendar, at a path inside its `businessHours` entry. */
export interface CalendarLoadIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export interface CalendarLoadOptions {
  baseDir: string;
  http: typeof fetch;
  /** Epoch ms: the centre of the window recurring iCalendar events are expanded over. */
  now: number;
}

// iCalendar texts fetched from URLs, by URL: `callrelay run` validates and then starts with the
// same config, and must not fetch twice (nor fail the second time).
const fetched = new Map<string, string>();

/**
 * Builds the named calendars of a `businessHours` section: inline holidays and, for an `ical`
 * entry, the closures of that file or URL. Every entry is loaded; the issues of all of them are
 * returned together (a URL that does not answer within `icalTimeoutMs` is one).
 */
export async function loadCalendars(
  section: Readonly<Record<string, BusinessHoursConfig>>, options: CalendarLoadOptions,
): Promise<{ calendars: Map<string, BusinessCalendar>; issues: CalendarLoadIssue[] }> {
  const calendars = new Map<string, BusinessCalendar>();
  const issues: CalendarLoadIssue[] = [];
  await Promise.all(Object.entries(section).map(async ([name, config]) => {
    const closedDates = new Set<string>();
    for (const holiday of config.holidays) {
      const [first, last] = (typeof holiday === 'string' ? holiday : holiday.date).split('..') as [string, string?];
      for (const date of datesBetween(first, last ?? first)) closedDates.add(date);
    }
    let closedSpans: { start: number; end: number }[] = [];
    if (config.ical !== undefined) {
      try {
        const closures = icalClosures(await readIcal(config.ical, config.icalTimeoutMs, options), options.now);
        for (const date of closures.dates) closedDates.add(date);
        closedSpans = closures.spans;
      } catch (err) {
        issues.push({ path: [name, 'ical'], message: `loading ${config.ical}: ${errorMessage(err)}`, hint: 'an iCalendar (.ics) file path relative to the config file, or an http(s) URL that answers within icalTimeoutMs' });
        return;
      }
    }
    calendars.set(name, new BusinessCalendar({ name, timeZone: config.timeZone, weekly: config.weekly, closedDates, closedSpans }));
  }));
  return { calendars, issues };
}

async function readIcal(location: string, timeoutMs: number, options: CalendarLoadOptions): Promise<string> {
  if (!/^https?:\/\//i.test(location)) return readFile(path.resolve(options.baseDir, location), 'utf8');
  const cached = fetched.get(location);
  if (cached !== undefined) return cached;
  const response = await options.http(location, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/calendar' } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const text = await response.text();
  fetched.set(location, text);
  return text;
}

/** Every date from `first` to `last`, both included (`YYYY-MM-DD`, calendar arithmetic in UTC). */
function datesBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let day = Date.parse(`${first}T00:00:00Z`), end = Date.parse(`${last}T00:00:00Z`); day <= end && dates.length < 3660; day += 86_400_000) {
    dates.push(new Date(day).toISOString().slice(0, 10));
  }
  return dates;
}
