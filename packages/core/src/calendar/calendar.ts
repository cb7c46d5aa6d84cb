import { DateTime } from 'luxon';
import { WEEKDAYS, minutesOf, type Weekday } from './schema.js';

/** One opening range, in minutes since local midnight; `end` < `start` runs past midnight. */
interface Range { start: number; end: number }

/** A closed span of time from an iCalendar event with times (epoch ms, end excluded). */
export interface ClosedSpan { start: number; end: number }

export interface CalendarDefinition {
  name: string;
  timeZone: string;
  weekly: Partial<Record<Weekday, readonly string[]>>;
  /** Closed local dates (`2026-12-25`), in the calendar's zone or the zone a call is evaluated in. */
  closedDates: ReadonlySet<string>;
  closedSpans?: readonly ClosedSpan[];
}

/** The local weekday, date and time of an instant in a zone, as `when` names them (`local.*`). */
export interface LocalTime {
  weekday: Weekday;
  /** `YYYY-MM-DD`. */
  date: string;
  /** `HH:MM`. */
  time: string;
  timeZone: string;
}

/** The local parts of an instant (epoch ms) in an IANA zone; the wall clock, so DST is followed. */
export function localTime(instant: number, timeZone: string): LocalTime {
  const local = DateTime.fromMillis(instant, { zone: timeZone });
  return { weekday: WEEKDAYS[local.weekday - 1]!, date: local.toISODate()!, time: local.toFormat('HH:mm'), timeZone };
}

// How far ahead the next opening is searched: a calendar closed for longer has none.
const SEARCH_DAYS = 400;

/**
 * Business hours: weekly opening ranges in a time zone, closed on holidays. Pure: every answer
 * depends only on the instant (and zone) asked about, so tests need no clock.
 *
 * Rules (docs/business-hours.md): a range `22:00-06:00` opens at 22:00 on its day and closes at
 * 06:00 the next day; a holiday closes its whole local date, including the part of an overnight
 * range that falls on it; local times are wall-clock times, so on a DST change `09:00` is 09:00 on
 * the clock (an opening at a time the change skips happens at the first instant after the gap).
 */
export class BusinessCalendar {
  private readonly ranges: Record<Weekday, Range[]>;

  constructor(readonly definition: CalendarDefinition) {
    this.ranges = Object.fromEntries(WEEKDAYS.map((day) => [day, (definition.weekly[day] ?? []).map((text) => {
      const [a, b] = text.split('-') as [string, string];
      return { start: minutesOf(a), end: minutesOf(b) };
    })])) as Record<Weekday, Range[]>;
  }

  get name(): string { return this.definition.name; }
  get timeZone(): string { return this.definition.timeZone; }

  /** Whether the business is open at `instant` (epoch ms), the hours read in `timeZone` (default the calendar's). */
  isOpen(instant: number, timeZone = this.definition.timeZone): boolean {
    if (this.definition.closedSpans?.some((span) => instant >= span.start && instant < span.end)) return false;
    const local = DateTime.fromMillis(instant, { zone: timeZone });
    if (this.definition.closedDates.has(local.toISODate()!)) return false;
    const minutes = local.hour * 60 + local.minute;
    const today = WEEKDAYS[local.weekday - 1]!;
    const yesterday = WEEKDAYS[(local.weekday + 5) % 7]!;
    for (const { start, end } of this.ranges[today]) {
      if (start < end ? minutes >= start && minutes < end : minutes >= start) return true;
    }
    // The part after midnight of yesterday's overnight ranges.
    return this.ranges[yesterday].some(({ start, end }) => end < start && minutes < end);
  }

  /**
   * The first instant after `instant` at which the business opens (closed just before, open then),
   * hours read in `timeZone` (default the calendar's); undefined when it does not open within 400 days.
   */
  nextOpening(instant: number, timeZone = this.definition.timeZone): number | undefined {
    const first = DateTime.fromMillis(instant, { zone: timeZone }).startOf('day');
    // A closed span (an iCalendar event with times) may end while a range is running: it opens then.
    const spanEnds = (this.definition.closedSpans ?? []).map((span) => span.end).filter((end) => end > instant && this.opensAt(end, timeZone));
    const candidates: number[] = [];
    for (let offset = 0; offset <= SEARCH_DAYS; offset++) {
      const day = first.plus({ days: offset });
      const starts: number[] = this.ranges[WEEKDAYS[day.weekday - 1]!].map((range) => range.start);
      // A holiday may end while an overnight range is running: it opens at midnight.
      if (offset === 0 || this.definition.closedDates.has(day.minus({ days: 1 }).toISODate()!)) starts.push(0);
      for (const minutes of starts.sort((a, b) => a - b)) {
        const at = wallClock(day, minutes, timeZone);
        if (at > instant && this.opensAt(at, timeZone)) candidates.push(at);
      }
      if (candidates.length) return Math.min(...candidates, ...spanEnds);
    }
    return spanEnds.length ? Math.min(...spanEnds) : undefined;
  }

  private opensAt(at: number, timeZone: string): boolean {
    return this.isOpen(at, timeZone) && !this.isOpen(at - 60_000, timeZone);
  }
}

/**
 * The instant a day's local `minutes` happen. A time a DST change skips (02:30 when clocks go from
 * 02:00 to 03:00) does not exist; Luxon moves it forward by the gap (03:30): the range then really
 * starts at the end of the gap (03:00), the first instant whose wall clock is past the time asked.
 */
function wallClock(day: DateTime, minutes: number, timeZone: string): number {
  let at = day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
  const local = (ms: number) => { const t = DateTime.fromMillis(ms, { zone: timeZone }); return t.hour * 60 + t.minute; };
  if (local(at) === minutes) return at;
  for (let i = 0; i < 180 && local(at - 60_000) >= minutes; i++) at -= 60_000;
  return at;
}
