/**
 * Timestamps. The WebhooksApi add-on sends none (seed 004, Creomate's documentation): the only time
 * it reveals is the local start time in the call id, so its events happen when callrelay receives
 * them. The CRM journal sends the call's start, answer and end times, read from the 3CX server's
 * clock. A local time (no zone) is converted only with a configured time zone: reading it as the
 * callrelay host's zone would be a guess.
 */

/** ISO 8601 (UTC) of a payload timestamp: ISO with a zone, Unix seconds/ms, or a local date-time read in `timeZone`. */
export function parseTimestamp(value: unknown, timeZone?: string): string | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{10}(\d{3})?(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    const ms = n > 1e12 ? n : n * 1000;
    return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const ms = Date.parse(text.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (local && timeZone) return localTimeToIso(`${local[1]}-${local[2]}-${local[3]}T${local[4]}:${local[5]}:${local[6] ?? '00'}`, timeZone);
  return undefined;
}

/** `2023-03-07T14:23:18` in `timeZone` (IANA) as an ISO 8601 UTC instant. */
export function localTimeToIso(local: string, timeZone: string): string | undefined {
  const wall = Date.parse(`${local}Z`);
  if (Number.isNaN(wall)) return undefined;
  // The zone's offset at the wall time, then again at the corrected instant (DST edges).
  let instant = wall - offsetMs(wall, timeZone);
  const second = offsetMs(instant, timeZone);
  if (second !== wall - instant) instant = wall - second;
  return new Date(instant).toISOString();
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * A time the 3CX server reported about the call (the CRM journal's `CallStartTimeUTC`...), as ISO
 * 8601 UTC. The template formats them `yyyy-MM-ddTHH:mm:ssZ`; a .NET `DateTime` that was never set
 * prints as year 1 (`0001-01-01T00:00:00Z`), which is no time at all.
 */
export function parsePbxTime(value: unknown, timeZone?: string): string | undefined {
  const iso = parseTimestamp(value, timeZone);
  return iso && iso >= '2000-01-01' ? iso : undefined;
}

/** `2023-03-07T14:49:03` (a wall-clock time, no zone) as `230307144903`, the form 3CX call ids start with. */
export function compactLocalTime(local: string | undefined): string | undefined {
  const m = /^20(\d{2})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})/.exec(local?.trim() ?? '');
  return m ? m.slice(1).join('') : undefined;
}

/** The wall-clock time (`2023-03-07T14:49:03`) in `timeZone` of an ISO 8601 instant. */
export function isoToLocalTime(iso: string, timeZone: string): string | undefined {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return undefined;
  return new Date(instant + offsetMs(instant, timeZone)).toISOString().slice(0, 19);
}
