import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import type { ClosedSpan } from './calendar.js';

/** What an iCalendar file closes: whole local dates (all-day events) and spans of time (timed events). */
export interface IcalClosures {
  dates: Set<string>;
  spans: ClosedSpan[];
}

// Recurring events (a yearly holiday) are expanded over this window around the start, and at most
// this many times each: a rule without an end must not loop for ever.
const HORIZON_YEARS = 3;
const MAX_OCCURRENCES = 2000;
const DAY_MS = 86_400_000;

/**
 * Reads the events of an iCalendar text (RFC 5545) as closures, with ical.js (Mozilla's parser):
 * each VEVENT, its recurrences expanded (RRULE, RDATE, EXDATE) from a year before `now` to three
 * years after. An all-day event closes its dates (DTEND excluded, as the RFC says); an event with
 * times closes its span. Throws on text that is not iCalendar.
 */
export function icalClosures(text: string, now: number): IcalClosures {
  const root = new ICAL.Component(ICAL.parse(text));
  const closures: IcalClosures = { dates: new Set(), spans: [] };
  const from = now - 366 * DAY_MS;
  const until = now + HORIZON_YEARS * 366 * DAY_MS;
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(vevent);
    if (!event.startDate) continue;
    if (event.isRecurring()) {
      const iterator = event.iterator();
      for (let count = 0, next = iterator.next(); next && count < MAX_OCCURRENCES; count++, next = iterator.next()) {
        const start = next.toJSDate().getTime();
        if (start > until) break;
        const details = event.getOccurrenceDetails(next);
        if (details.endDate.toJSDate().getTime() < from) continue;
        addClosure(closures, details.startDate, details.endDate);
      }
    } else {
      addClosure(closures, event.startDate, event.endDate);
    }
  }
  return closures;
}

function addClosure(closures: IcalClosures, start: ICAL.Time, end: ICAL.Time | undefined): void {
  if (start.isDate) {
    // All-day: DTEND is the day after the last one; without it, one day.
    let day = DateTime.fromObject({ year: start.year, month: start.month, day: start.day }, { zone: 'UTC' });
    const last = end && end.isDate ? DateTime.fromObject({ year: end.year, month: end.month, day: end.day }, { zone: 'UTC' }) : day.plus({ days: 1 });
    for (let i = 0; day < last && i < 366; i++, day = day.plus({ days: 1 })) closures.dates.add(day.toISODate()!);
    return;
  }
  const startMs = start.toJSDate().getTime();
  const endMs = end ? end.toJSDate().getTime() : startMs;
  if (endMs > startMs) closures.spans.push({ start: startMs, end: endMs });
}
