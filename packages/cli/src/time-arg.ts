const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The instant a `--before` argument names: a date or time (`2026-01-31`, `2026-01-31T12:00`,
 * `2026-01-31T12:00:00+01:00`; without a zone it is UTC, so the result does not depend on the
 * machine's zone), or an age (`30d`, `12h`, `90m`, `2w`: that long before `now`). Undefined when
 * it is neither.
 */
export function parseBefore(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(trimmed);
  if (age) return now - Number(age[1]) * UNIT_MS[age[2]!.toLowerCase()]!;
  const date = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(trimmed);
  if (!date) return undefined;
  const [, day, time, zone] = date;
  const parsed = Date.parse(time ? `${day}T${time}${zone ?? 'Z'}` : `${day}T00:00:00Z`);
  return Number.isNaN(parsed) ? undefined : parsed;
}
