const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Formats an instant as `2026-11-24 14:03:05+01:00`: the wall-clock time in `timeZone` with its
 * offset. Sortable as text, readable by spreadsheets, and unambiguous in the hour a DST change
 * repeats. A value that is not a date is returned unchanged.
 */
export function formatInZone(instant: string | number, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(date).map((p) => [p.type, p.value]));
  // longOffset is `GMT+01:00`, or plain `GMT` at offset zero.
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** The calendar day (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function dayInZone(instant: number, timeZone: string): string {
  return formatInZone(instant, timeZone).slice(0, 10);
}
