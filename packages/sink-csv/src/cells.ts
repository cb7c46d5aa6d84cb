import { stringify } from 'csv-stringify/sync';

/**
 * How values become CSV cells and records. Every value of an event can be chosen by whoever
 * places a call (the caller ID name) or forges a webhook (ids, numbers, URLs), so two things are
 * guarded here, apart from the file handling in `csv-appender.ts`:
 *
 * - structure: a cell with a line break is always quoted, so a caller name cannot start a new row;
 * - formulas: a cell (or a line inside it) that a spreadsheet would run as a formula gets a `'`.
 */

const CRLF = '\r\n';

/**
 * One RFC 4180 record with CRLF line ends. csv-stringify quotes a field that contains the
 * configured record delimiter, but once `record_delimiter` is set it no longer quotes a bare CR or
 * LF (`quote_record_delimiter` then defaults to false: csv.js.org/stringify/options/quote_record_delimiter).
 * A caller name `Jane\n=1+1` would then be written unquoted and read back as two rows, so every
 * cell with a CR or LF is quoted explicitly (`quoted_match`, available in every 6.x).
 */
export function csvRecord(cells: readonly string[]): string {
  return stringify([cells as string[]], { record_delimiter: CRLF, quote_record_delimiter: true, quoted_match: /[\r\n]/ });
}

/**
 * What makes a spreadsheet (Excel, LibreOffice, Google Sheets) read a line of a cell as a formula:
 * `=`, `+`, `-`, `@` and their full-width forms (Apple Numbers and some importers normalise
 * `＝＋－＠` to ASCII), after any white space or invisible characters (some importers trim them).
 */
const FORMULA_LINE = /^[\s\p{Cc}\p{Cf}]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/u;
/** OWASP and ASVS 5.0 (V1.2.10) also list a line starting with TAB, CR or NUL. */
const CONTROL_START = /^[\t\r\n\0]/;
/** Splits a cell into lines, keeping the line breaks (CRLF, CR or LF: what CSV readers accept). */
const LINE_BREAKS = /(\r\n|\r|\n)/;

/**
 * Values that start like a formula but cannot be one an attacker can use: a phone number in
 * E.164 (`+14155551234`) or grouped by single spaces (`+1 415 555 1234`), at most 15 digits;
 * a plain signed number (`-3.5`); a lone `-` or `+`. No letters, brackets, `|` or `!`: no function
 * call, cell range or DDE link (`=cmd|' /C calc'!A0`) can be written with them.
 */
const PHONE = /^\+\d+( \d+)*$/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
const LONE_SIGN = /^[+-]$/;

/**
 * The canonical ids (event `id`: base64url, which may start with `-`; `callId`, `legId`) must
 * read back exactly, so that a row can be matched to the event log. They are exempt only while
 * they are made of base64url characters: letters, digits, `_` and `-`. Without `(`, `|` or `!` a
 * formula calls nothing (at worst `-A1` shows another cell of the same sheet); anything else in
 * an id column (a forged `callId` such as `-1+cmd|' /C calc'!A0`) is neutralised like any cell.
 */
const ID_FIELDS = new Set(['id', 'callId', 'legId']);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function isExempt(value: string, field: string | undefined): boolean {
  if (PLAIN_NUMBER.test(value) || LONE_SIGN.test(value)) return true;
  if (PHONE.test(value) && value.replace(/\D/g, '').length <= 15) return true;
  return field !== undefined && ID_FIELDS.has(field) && BASE64URL.test(value);
}

function runsAsFormula(line: string): boolean {
  return CONTROL_START.test(line) || FORMULA_LINE.test(line);
}

/**
 * Makes a cell text for a spreadsheet: a `'` goes before the cell, and before every line inside
 * it, that would otherwise be read as a formula (OWASP "CSV Injection"). A multi-line cell is
 * quoted in the file, but a line-based tool or a lax importer can still see its lines as rows, so
 * each line is made safe on its own. `field` is the canonical path the value came from (`id`,
 * `from.name`), for the id exemption.
 */
export function neutraliseFormula(value: string, field?: string): string {
  if (value === '' || isExempt(value, field)) return value;
  // Lines and breaks alternate (line, break, line...): the lines after the first are looked at
  // here, the cell's own start (which may be a CR) below.
  const inner = value.split(LINE_BREAKS)
    .map((part, i) => (i > 0 && i % 2 === 0 && runsAsFormula(part) ? `'${part}` : part))
    .join('');
  return runsAsFormula(value) ? `'${inner}` : inner;
}
