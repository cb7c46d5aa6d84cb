import { formatZonedTimestamp } from '@callrelay/core';

/**
 * Formats an instant as `2026-11-24 14:03:05+01:00` (core's `formatZonedTimestamp`): sortable as
 * text, readable by spreadsheets, unambiguous in the hour a DST change repeats. A value that is not
 * a date is returned unchanged.
 */
export function formatInZone(instant: string | number, timeZone: string): string {
  return formatZonedTimestamp(instant, timeZone) ?? String(instant);
}

/** The calendar day (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function dayInZone(instant: number, timeZone: string): string {
  return formatInZone(instant, timeZone).slice(0, 10);
}
