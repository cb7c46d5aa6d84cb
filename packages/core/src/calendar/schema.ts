import { z } from 'zod';
import { isTimeZone } from '../util/time-zone.js';

// The same rule as `timeZoneSchema` of config/shared-schemas.ts, written here because that module
// imports config/schema.ts, which imports this one: a cycle would leave one of them undefined.
export const ianaTimeZone = z.string()
  .refine(isTimeZone, 'an IANA time zone such as UTC, Europe/Berlin or America/New_York')
  .meta({ description: 'An IANA time zone name.', examples: ['UTC', 'Europe/Berlin', 'America/New_York'] });

/** Weekday keys, Monday first (ISO 8601 numbering: mon is 1). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM` on a 24-hour clock; `24:00` only as the end of a range. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
const RANGE = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Minutes since local midnight of `HH:MM` (`24:00` is 1440). */
export function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

export const hoursRangeSchema = z.string()
  .regex(RANGE, 'a range of local times such as "09:00-17:30" (24-hour clock; "22:00-06:00" runs past midnight)')
  .refine((range) => { const [a, b] = range.split('-') as [string, string]; return minutesOf(a) !== minutesOf(b); }, 'a range that starts and ends at the same time is empty')
  .meta({ description: 'Local opening hours `HH:MM-HH:MM`. A range that ends before it starts runs past midnight into the next day.', examples: ['09:00-17:30', '22:00-06:00'] });

const dateText = z.string().regex(DATE, 'a date such as 2026-12-25').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a date of the calendar');

/** `2026-12-25` or `2026-12-24..2026-12-26` (both ends included). */
export const holidayDatesSchema = z.string().refine((text) => {
  const [from, to, ...rest] = text.split('..');
  if (rest.length || !dateText.safeParse(from).success) return false;
  return to === undefined || (dateText.safeParse(to).success && to >= from!);
}, 'a date (2026-12-25) or a range of dates (2026-12-24..2026-12-26, the first not after the last)');

export const holidaySchema = z.union([
  holidayDatesSchema,
  z.object({
    date: holidayDatesSchema.meta({ description: 'A date or a range `first..last`.' }),
    name: z.string().optional().meta({ description: 'What the day is (shown nowhere yet; for readers of the file).' }),
  }).strict(),
]).meta({ description: 'A closed local date (`2026-12-25`) or range of dates (`2026-12-24..2026-12-26`), closed all day.', examples: ['2026-12-25', { date: '2026-12-24..2026-12-26', name: 'Christmas' }] });

export const weeklyHoursSchema = z.object(Object.fromEntries(WEEKDAYS.map((day) => [day,
  z.array(hoursRangeSchema).optional().meta({ description: `Opening hours on ${day}. A day left out is closed.` })])) as Record<Weekday, z.ZodOptional<z.ZodArray<typeof hoursRangeSchema>>>)
  .strict().meta({ description: 'Opening hours per weekday (`mon` ... `sun`); a day left out is closed all day.' });

/** One named entry of `businessHours:`. */
export const businessHoursSchema = z.object({
  timeZone: ianaTimeZone.meta({ description: 'The time zone the hours and holidays are written in (IANA name). A call may be evaluated in another zone: its source\'s `timeZone`, or its routing table row\'s.' }),
  weekly: weeklyHoursSchema,
  holidays: z.array(holidaySchema).default([]).meta({ description: 'Closed dates, inline.' }),
  ical: z.string().min(1).optional().meta({
    description: 'An iCalendar file (path relative to the config file) or http(s) URL whose events are closures: all-day events close their dates, timed events close their time span; recurring events are expanded. Read once at start (a URL with a timeout); a file or URL that cannot be read stops the start.',
    examples: ['holidays.ics', 'https://calendar.example.com/holidays.ics'],
  }),
  icalTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).meta({ description: 'How long fetching an `ical` URL may take at start.' }),
}).strict();
export type BusinessHoursConfig = z.output<typeof businessHoursSchema>;

/** The top-level `businessHours:` section: named calendars. */
export const businessHoursSectionSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids are kebab-case: lower-case letters, digits, - and _'), businessHoursSchema)
  .meta({ description: 'Named business hours (weekly hours, holidays) that `when` (`businessHours: { open: <name> }`) and a pipeline\'s `digest` refer to. See docs/business-hours.md.' });
