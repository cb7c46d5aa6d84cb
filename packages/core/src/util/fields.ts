/**
 * Readers for loosely typed webhook fields, shared by the sources: platforms, add-on versions and
 * proxies send keys in other casings (`call_sid`, `callSid`, `CallSid`), numbers as JSON numbers
 * or text, and times as ISO text, zone-less text or Unix epochs.
 */

/** The comparable form of a key: no `_`/`-`, lower case (`Call_Sid` → `callsid`). */
export function fieldKeyForm(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

const MISSING = Symbol('missing');

function lookup(body: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(body, key)) return body[key];
  const wanted = fieldKeyForm(key);
  for (const [k, v] of Object.entries(body)) if (fieldKeyForm(k) === wanted) return v;
  return MISSING;
}

/** Reads a field in any casing; an exact match wins. */
export function pickField(body: Record<string, unknown>, key: string): unknown {
  const value = lookup(body, key);
  return value === MISSING ? undefined : value;
}

/** True when the field is present at all (even empty or null), in any casing. */
export function hasField(body: Record<string, unknown>, key: string): boolean {
  return lookup(body, key) !== MISSING;
}

/** A non-empty trimmed string (numbers become their decimal text). */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A finite number from a JSON number or numeric text. */
export function fieldNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** An integer from a JSON number or numeric text (truncated). */
export function fieldInt(value: unknown): number | undefined {
  const n = fieldNumber(value);
  return n === undefined ? undefined : Math.trunc(n);
}

/** `true`/`false` as JSON booleans, text or 0/1. */
export function fieldBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const t = fieldText(value)?.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  return undefined;
}

/**
 * A point in time as ISO 8601 UTC, or undefined when absent, zero or unreadable. Accepts ISO and
 * RFC 2822 text, `YYYY-MM-DD HH:MM:SS` without a zone (read as UTC, so the result does not depend
 * on the server's time zone), and Unix epochs in seconds, milliseconds, microseconds or
 * nanoseconds (by their number of digits). A time a `Date` cannot hold is no time (undefined):
 * the event is kept with its receive time rather than refused.
 */
export function fieldTime(value: unknown): string | undefined {
  const raw = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    if (!(n > 0)) return undefined;
    const digits = raw.split('.')[0]!.length;
    const ms = digits >= 18 ? n / 1e6 : digits >= 15 ? n / 1000 : digits >= 12 ? n : n * 1000;
    return isoOrUndefined(Math.round(ms));
  }
  const zoneless = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/.exec(raw);
  return isoOrUndefined(Date.parse(zoneless ? `${zoneless[1]}T${zoneless[2]}Z` : raw));
}

/** Beyond ±8.64e15 ms a `Date` cannot be printed (RangeError). */
function isoOrUndefined(ms: number): string | undefined {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/**
 * A value of a lookup table by a key taken from a webhook: own keys only, so that a platform value
 * such as `constructor` or `__proto__` finds nothing instead of the object prototype.
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
