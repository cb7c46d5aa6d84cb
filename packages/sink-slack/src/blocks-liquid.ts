import { liquid } from '@callrelay/core';

/**
 * The Liquid engine of `blocks` templates: core's engine, with one difference. A blocks template
 * writes JSON, and `"text": "Call from {{ from.name }}"` (without `| json`) would let a `"` in a
 * caller name close the string and add blocks of the caller's choosing (a button to any URL).
 * So every `{{ }}` output is escaped for the inside of a JSON string (`"` → `\"`, `\` → `\\`,
 * controls → `\n`, `\u001b`), except when its last filter is `json` (it writes JSON itself, quotes
 * included) or `raw`. A value placed outside quotes without `| json` still makes invalid JSON,
 * which fails the delivery with a clear reason, as before.
 *
 * A variant of a shared piece, so said here: core exports one engine and not its class, and this
 * package does not depend on liquidjs itself, so the class is taken from core's engine. Filters
 * and options are core's (strict filters, lenient variables, cache).
 */
type Engine = typeof liquid;
type EngineClass = new (options: { strictFilters: boolean; strictVariables: boolean; cache: boolean; outputEscape: (value: unknown) => string }) => Engine;

/** Liquid's own stringification of an output (nil → '', a list joined), as a JSON string's inside. */
function jsonStringContent(value: unknown): string {
  const text = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.map(text).join('') : String(v));
  return JSON.stringify(text(value)).slice(1, -1);
}

export const blocksLiquid: Engine = new (liquid.constructor as EngineClass)({
  strictFilters: true, strictVariables: false, cache: true, outputEscape: jsonStringContent,
});
// `| json` writes a complete JSON value: it must not be escaped again.
const json = blocksLiquid.filters.json!;
blocksLiquid.registerFilter('json', typeof json === 'function' ? { handler: json, raw: true } : { ...json, raw: true });
