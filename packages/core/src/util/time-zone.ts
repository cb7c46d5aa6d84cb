/** True when `Intl` knows the IANA time zone name (`UTC`, `Europe/Berlin`, `America/New_York`). */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// Building a DateTimeFormat costs far more than formatting with one: one per zone and style, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(date: Date, style: 'people' | 'timestamp', timeZone: string): Record<string, string> {
  const key = `${style}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = style === 'people'
      ? new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      : new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' });
    formatters.set(key, formatter);
  }
  return Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
}

function dateOf(instant: string | number): Date | undefined {
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * An instant as people read it where the business is: `Tue 24 Nov 2026, 14:03 (Europe/Berlin)`,
 * the wall-clock time in `timeZone` and which zone that is. For messages (Slack, Teams, CRM notes).
 * Undefined when `instant` is not a date. Throws a RangeError for an unknown zone: validate
 * configured zones with {@link isTimeZone} or `timeZoneSchema`.
 */
export function formatLocalTime(instant: string | number, timeZone: string): string | undefined {
  const date = dateOf(instant);
  if (!date) return undefined;
  const p = partsIn(date, 'people', timeZone);
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} (${timeZone})`;
}

/**
 * An instant as `2026-11-24 14:03:05+01:00`: the wall-clock time in `timeZone` with its offset.
 * Sortable as text, read by spreadsheets, unambiguous in the hour a DST change repeats. For files
 * and machine-readable fields. Undefined when `instant` is not a date.
 */
export function formatZonedTimestamp(instant: string | number, timeZone: string): string | undefined {
  const date = dateOf(instant);
  if (!date) return undefined;
  const p = partsIn(date, 'timestamp', timeZone);
  // longOffset is `GMT+01:00`, or plain `GMT` at offset zero.
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : String(p.timeZoneName).replace('GMT', '');
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}${offset}`;
}
