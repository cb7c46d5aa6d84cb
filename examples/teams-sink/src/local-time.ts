const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * `Mon 5 Jan 2026, 10:00 (America/New_York)`: the wall-clock time where the business is, and which
 * zone that is. A value that is not a date gives undefined.
 */
export function localTime(instant: string | undefined, timeZone: string): string | undefined {
  if (!instant) return undefined;
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return undefined;
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  const p = Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} (${timeZone})`;
}
