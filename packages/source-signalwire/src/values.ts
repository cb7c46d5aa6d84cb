/**
 * Readers for loosely typed webhook parameters: form bodies give strings, JSON bodies give numbers
 * or strings, proxies and test tools rename keys (`CallSid`, `call_sid`, `callSid`).
 */

/** The comparable form of a key: no `_`/`-`, lower case (`Call_Sid` → `callsid`). */
export function keyForm(key: string): string {
  return key.replace(/[_-]/g, '').toLowerCase();
}

/** Reads a parameter in any casing; an exact match wins. */
export function pick(params: Record<string, unknown>, key: string): unknown {
  if (key in params) return params[key];
  const wanted = keyForm(key);
  for (const [k, v] of Object.entries(params)) if (keyForm(k) === wanted) return v;
  return undefined;
}

/** A non-empty trimmed string (numbers become their decimal text). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A finite number from a JSON number or numeric text. */
export function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** An integer from a JSON number or numeric text (truncated). */
export function int(value: unknown): number | undefined {
  const n = num(value);
  return n === undefined ? undefined : Math.trunc(n);
}

/**
 * A point in time as ISO 8601 UTC. SignalWire documents RFC 2822 (`Tue, 04 Feb 2025 10:15:02 +0000`);
 * ISO text and Unix time (seconds or milliseconds) are accepted too.
 */
export function time(value: unknown): string | undefined {
  const raw = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    const ms = n > 1e11 ? n : n * 1000;
    return ms > 0 && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
  }
  const parsed = Date.parse(raw);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
