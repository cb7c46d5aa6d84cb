/**
 * The fields of one WebhooksApi event, read case-insensitively: the JSON variant writes
 * `Event`/`Callerid`/`FileUrls`, the form variant `event`/`callerid`, and other versions of the
 * add-on `CallerID`, `caller_id`, `FILES`. Keys are compared lower-cased, without `_`, `-` or spaces.
 */
export class EventParams {
  private readonly values = new Map<string, unknown>();

  constructor(readonly raw: Record<string, unknown>) {
    for (const [key, value] of Object.entries(raw)) {
      const normalized = normalizeKey(key);
      // The first non-empty value wins when two spellings of one key are present.
      if (!this.values.has(normalized) || isEmpty(this.values.get(normalized))) this.values.set(normalized, value);
    }
  }

  /** The first of `names` that holds a value. */
  value(...names: string[]): unknown {
    for (const name of names) {
      const value = this.values.get(normalizeKey(name));
      if (!isEmpty(value)) return value;
    }
    return undefined;
  }

  /** A field as trimmed text (numbers and booleans as written); undefined when absent or blank. */
  text(...names: string[]): string | undefined {
    return asText(this.value(...names));
  }
}

export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

/** Trimmed text of a scalar; undefined for blanks, objects and non-finite numbers. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** JSON with sorted keys, so that the same fields always hash the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
