import { WHEN_OPERATORS, type WhenOperator } from '../pipeline/filter.js';
import type { ConfigIssueCode } from './config-error.js';
import { describeValue as describe } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { CALL_EVENT_FIELDS, LOCAL_TIME_FIELDS, describeEventFields, lookupField, type EventField } from './event-fields.js';
import { TIME_OF_DAY } from '../calendar/schema.js';

type Path = (string | number)[];

/** One problem of a `when` clause; `path` is relative to the clause. */
export interface WhenIssue {
  path: Path;
  code: ConfigIssueCode;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
  /** The problem is the value at `path` (point there), not the key. */
  atValue?: boolean;
}

/** What the config file tells about the events that reach a pipeline. Undefined: not known, not checked. */
export interface WhenContext {
  /** Values `source` can take: the pipeline's `from` ids. */
  sourceIds?: readonly string[];
  /** Values `platform` can take: the platforms of those sources' connectors. */
  platforms?: readonly string[];
  /**
   * The text of the scalar at a path of the clause as written in the file, to tell `100` (read as
   * the text "100") from `+14155551234` or `0101`, which YAML reads as numbers that lose their `+`
   * or leading zero.
   */
  sourceText?: (path: Path) => string | undefined;
  /** The names of the `businessHours` calendars that `businessHours: { open: <name> }` may name. */
  calendars?: readonly string[];
}

const COMBINATORS = ['all', 'any', 'not', 'businessHours'];
const BUSINESS_HOURS_STATES = ['open', 'closed'];
const NUMERIC_OPERATORS: readonly WhenOperator[] = ['gt', 'gte', 'lt', 'lte'];
const TEXT_KINDS: readonly EventField['kind'][] = ['enum', 'source-id', 'platform', 'string', 'time', 'string[]', 'free'];
const ALL_PATHS = [...allPaths(CALL_EVENT_FIELDS), ...allPaths(LOCAL_TIME_FIELDS)];

/**
 * Checks a pipeline's `when` against the canonical event: every key is a field `CallEvent` has,
 * every value one the field can take, every operator one that exists and applies to the field.
 * A mistake here does not fail loudly at run time: the pipeline just never matches, and every alert
 * of it is silently lost. Returns every problem, none when the clause can match.
 */
export function validateWhen(clause: unknown, context: WhenContext = {}): WhenIssue[] {
  const issues: WhenIssue[] = [];
  checkClause(clause, [], context, issues);
  return issues;
}

function checkClause(clause: unknown, path: Path, context: WhenContext, issues: WhenIssue[]): void {
  if (!isMapping(clause)) {
    issues.push({ path, code: 'CONFIG_WHEN_WRONG_TYPE', message: 'a condition is a mapping of field: value', expected: 'a mapping such as { type: missed }', found: describe(clause), atValue: true });
    return;
  }
  for (const [key, value] of Object.entries(clause)) {
    const at = [...path, key];
    if (key === 'all' || key === 'any') {
      if (!Array.isArray(value)) {
        issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${key} takes a list of conditions`, expected: `a list such as ${key}: [{ type: missed }, { type: completed }]`, found: describe(value), atValue: true });
      } else if (value.length === 0 && key === 'any') {
        issues.push({ path: at, code: 'CONFIG_WHEN_EMPTY', message: 'any: [] matches no event', expected: 'at least one condition' });
      } else {
        value.forEach((item, index) => checkClause(item, [...at, index], context, issues));
      }
    } else if (key === 'not') {
      if (isMapping(value) && Object.keys(value).length === 0) {
        issues.push({ path: at, code: 'CONFIG_WHEN_EMPTY', message: 'not: {} matches no event', expected: 'a condition such as not: { direction: outbound }' });
      } else {
        checkClause(value, at, context, issues);
      }
    } else if (key === 'businessHours') {
      checkBusinessHours(value, at, context, issues);
    } else {
      checkField(key, value, at, context, issues);
    }
  }
}

/** `businessHours: { open: <name> }` or `{ closed: <name> }`, the name one of the config's calendars. */
function checkBusinessHours(value: unknown, at: Path, context: WhenContext, issues: WhenIssue[]): void {
  const keys = isMapping(value) ? Object.keys(value) : [];
  if (!isMapping(value) || keys.length !== 1 || !BUSINESS_HOURS_STATES.includes(keys[0]!)) {
    const unknown = keys.find((key) => !BUSINESS_HOURS_STATES.includes(key));
    const hint = unknown ? didYouMean(unknown, BUSINESS_HOURS_STATES) : undefined;
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: 'businessHours takes open or closed with the name of a calendar', expected: 'businessHours: { open: office } or businessHours: { closed: office }', found: describe(value), atValue: true, ...(hint ? { hint } : {}) });
    return;
  }
  const state = keys[0]!;
  const name = value[state];
  const names = context.calendars;
  if (typeof name !== 'string') {
    issues.push({ path: [...at, state], code: 'CONFIG_WHEN_WRONG_TYPE', message: `businessHours.${state} names a calendar`, expected: names?.length ? `one of ${names.join(', ')}` : 'the name of an entry of the top-level businessHours section', found: describe(name), atValue: true });
  } else if (names && !names.includes(name)) {
    const hint = didYouMean(name, names);
    issues.push({
      path: [...at, state], code: 'CONFIG_WHEN_UNKNOWN_VALUE', message: `no business hours named "${name}"`,
      expected: names.length ? `one of ${names.join(', ')}` : 'an entry of the top-level businessHours section (there is none)', found: JSON.stringify(name), atValue: true,
      ...(hint ? { hint } : {}),
    });
  }
}

function checkField(key: string, value: unknown, at: Path, context: WhenContext, issues: WhenIssue[]): void {
  const lookup = lookupField(key);
  if (!lookup.found) {
    const hint = (WHEN_OPERATORS as readonly string[]).includes(key)
      ? `${key} is an operator: put it under the field it tests, e.g. type: { ${key}: ... }`
      : didYouMean(key, [...ALL_PATHS, ...COMBINATORS, ...lookup.known]);
    issues.push({
      path: at, code: 'CONFIG_WHEN_UNKNOWN_FIELD', message: `unknown event field "${key}"`,
      expected: lookup.prefix && lookup.known.length ? `one of ${lookup.known.join(', ')}` : `a field of the call event (docs/events.md): ${describeEventFields()}; or all, any, not, businessHours`,
      ...(hint ? { hint } : {}),
    });
    return;
  }
  const field = lookup.field;
  if (isMapping(value)) {
    checkOperators(key, field, value, at, context, issues);
  } else if (Array.isArray(value)) {
    if (value.length === 0) issues.push({ path: at, code: 'CONFIG_WHEN_EMPTY', message: `${key}: [] matches no event`, expected: 'at least one value (a list means any of them)' });
    value.forEach((item, index) => checkValue(key, field, item, [...at, index], context, issues));
  } else {
    checkValue(key, field, value, at, context, issues);
  }
}

function checkOperators(key: string, field: EventField, ops: Record<string, unknown>, at: Path, context: WhenContext, issues: WhenIssue[]): void {
  if (Object.keys(ops).length === 0) {
    issues.push({ path: at, code: 'CONFIG_WHEN_EMPTY', message: `${key}: {} matches every event`, expected: `an operator: ${WHEN_OPERATORS.join(', ')}` });
    return;
  }
  for (const [op, operand] of Object.entries(ops)) {
    const opAt = [...at, op];
    if (!(WHEN_OPERATORS as readonly string[]).includes(op)) {
      const nested = (field.kind === 'object' && Object.hasOwn(field.fields, op)) || field.kind === 'free';
      const hint = nested ? `to test a field of ${key}, name it with a dotted path: ${key}.${op}: ...` : didYouMean(op, WHEN_OPERATORS);
      issues.push({ path: opAt, code: 'CONFIG_WHEN_UNKNOWN_OPERATOR', message: `unknown operator "${op}"`, expected: `one of ${WHEN_OPERATORS.join(', ')}`, ...(hint ? { hint } : {}) });
      continue;
    }
    const operator = op as WhenOperator;
    if (operator === 'between') {
      checkBetween(key, operand, opAt, issues);
      continue;
    }
    if (operator === 'exists') {
      if (typeof operand !== 'boolean') issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: 'exists takes true or false', expected: 'true or false', found: describe(operand), atValue: true });
      continue;
    }
    if (field.kind === 'object') {
      issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${key} is a group of fields: only exists applies to it`, expected: `exists, or a field: ${Object.keys(field.fields).map((k) => `${key}.${k}`).join(', ')}` });
      continue;
    }
    if (operator === 'eq' || operator === 'ne') {
      if (Array.isArray(operand) || isMapping(operand)) {
        issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${operator} takes one value`, expected: 'a single value (use in or notIn for a list)', found: describe(operand), atValue: true });
      } else {
        checkValue(key, field, operand, opAt, context, issues);
      }
    } else if (operator === 'in' || operator === 'notIn') {
      if (!Array.isArray(operand)) {
        issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${operator} takes a list of values`, expected: `a list such as ${operator}: [a, b]`, found: describe(operand), atValue: true });
      } else {
        if (operand.length === 0 && operator === 'in') issues.push({ path: opAt, code: 'CONFIG_WHEN_EMPTY', message: 'in: [] matches no event', expected: 'at least one value' });
        operand.forEach((item, index) => checkValue(key, field, item, [...opAt, index], context, issues));
      }
    } else if (operator === 'matches') {
      checkMatches(key, field, operand, opAt, context, issues);
    } else if (NUMERIC_OPERATORS.includes(operator)) {
      if (field.kind !== 'number' && field.kind !== 'free') {
        issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${operator} compares numbers, and ${key} is ${kindName(field)}`, expected: `eq, ne, in, notIn, exists${TEXT_KINDS.includes(field.kind) ? ', matches' : ''}` });
      } else if (typeof operand !== 'number' || !Number.isFinite(operand)) {
        issues.push({ path: opAt, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${operator} takes a number`, expected: 'a number', found: describe(operand), atValue: true });
      }
    }
  }
}

/** `local.time: { between: ["09:00", "17:30"] }`: the only field it applies to. */
function checkBetween(key: string, operand: unknown, at: Path, issues: WhenIssue[]): void {
  if (key !== 'local.time') {
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: `between compares times of day, and applies to local.time only`, expected: 'local.time: { between: ["09:00", "17:30"] }' });
    return;
  }
  const ok = Array.isArray(operand) && operand.length === 2 && operand.every((t) => typeof t === 'string' && (TIME_OF_DAY.test(t) || t === '24:00')) && operand[0] !== operand[1];
  if (!ok) {
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: 'between takes two different local times, start (included) and end (excluded)', expected: '["09:00", "17:30"] (24-hour HH:MM, in quotes; ["22:00", "06:00"] runs past midnight)', found: describe(operand), atValue: true });
  }
}

function checkMatches(key: string, field: EventField, pattern: unknown, at: Path, context: WhenContext, issues: WhenIssue[]): void {
  if (!TEXT_KINDS.includes(field.kind)) {
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: `matches tests text, and ${key} is ${kindName(field)}`, expected: field.kind === 'number' ? 'eq, ne, in, notIn, exists, gt, gte, lt, lte' : 'eq, ne, in, notIn, exists' });
    return;
  }
  if (typeof pattern !== 'string') {
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: 'matches takes a regular expression', expected: 'text such as "^\\\\+1212"', found: describe(pattern), atValue: true });
    return;
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (err) {
    issues.push({ path: at, code: 'CONFIG_WHEN_BAD_REGEX', message: `matches is not a valid regular expression: ${(err as Error).message}`, found: JSON.stringify(pattern), hint: 'the syntax is JavaScript\'s RegExp; in YAML, write it plain or in single quotes: inside double quotes a backslash starts an escape', atValue: true });
    return;
  }
  const values = valuesOf(field, context);
  if (values && !values.some((value) => regex.test(value))) {
    issues.push({ path: at, code: 'CONFIG_WHEN_UNKNOWN_VALUE', message: `matches none of the values of ${key}`, expected: `a pattern that matches one of ${values.join(', ')}`, found: JSON.stringify(pattern), atValue: true });
  }
}

/** One value an event field is compared with (a literal, an item of a list, the operand of eq/ne/in/notIn). */
function checkValue(key: string, field: EventField, value: unknown, at: Path, context: WhenContext, issues: WhenIssue[]): void {
  if (value === null) return; // matches when the field is absent
  const wrongType = (expected: string, hint?: string) =>
    issues.push({ path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${key} is ${kindName(field)}`, expected, found: describe(value), atValue: true, ...(hint ? { hint } : {}) });
  if (isMapping(value) || Array.isArray(value)) {
    wrongType('a value', 'a list means any of its values; operators (eq, in, ...) go directly under the field');
    return;
  }
  switch (field.kind) {
    case 'enum': case 'source-id': case 'platform': {
      const values = valuesOf(field, context);
      if (!values) {
        if (typeof value !== 'string') checkText(key, value, at, context, wrongType);
        return;
      }
      if (typeof value === 'string' && values.includes(value)) return;
      const hint = typeof value === 'string' ? didYouMean(value, values) : undefined;
      issues.push({
        path: at, code: 'CONFIG_WHEN_UNKNOWN_VALUE', message: `unknown ${key} ${JSON.stringify(value)}`,
        expected: `one of ${values.join(', ')}`, found: describe(value), atValue: true,
        ...(hint ? { hint } : field.kind === 'source-id' ? { hint: 'events reach a pipeline only from the sources in its from' } : {}),
      });
      return;
    }
    case 'string': case 'time': case 'string[]':
      if (key === 'local.time' && !(typeof value === 'string' && TIME_OF_DAY.test(value))) {
        wrongType('a local time HH:MM in quotes, such as "09:00"', 'YAML reads 09:00 unquoted as a number (sexagesimal): write "09:00"');
        return;
      }
      checkText(key, value, at, context, wrongType);
      return;
    case 'number':
      if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && String(Number(value)) === value)) return;
      wrongType('a number');
      return;
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') return;
      wrongType('true or false');
      return;
    case 'object':
      issues.push({
        path: at, code: 'CONFIG_WHEN_WRONG_TYPE', message: `${key} is a group of fields: compare one of them`,
        expected: `a field such as ${Object.keys(field.fields).map((k) => `${key}.${k}`).join(', ')}, or ${key}: { exists: true }`, found: describe(value), atValue: true,
      });
      return;
    case 'free':
      return;
  }
}

/** Text fields compare with text; a YAML number or boolean is read as the text written only when it reads back the same. */
function checkText(key: string, value: unknown, at: Path, context: WhenContext, wrongType: (expected: string, hint?: string) => void): void {
  if (typeof value === 'string') return;
  const written = context.sourceText?.(at) ?? String(value);
  if (written === String(value)) return;
  wrongType('text', `write it in quotes: ${key}: "${written}" (unquoted, YAML reads ${written} as the ${typeof value} ${String(value)})`);
}

function valuesOf(field: EventField, context: WhenContext): readonly string[] | undefined {
  if (field.kind === 'enum') return field.values;
  if (field.kind === 'source-id') return context.sourceIds;
  if (field.kind === 'platform') return context.platforms;
  return undefined;
}

function kindName(field: EventField): string {
  switch (field.kind) {
    case 'enum': case 'source-id': case 'platform': case 'string': return 'text';
    case 'time': return 'a time (ISO 8601 text)';
    case 'number': return 'a number';
    case 'boolean': return 'true or false';
    case 'string[]': return 'a list of text';
    case 'object': return 'a group of fields';
    case 'free': return 'any value';
  }
}

function allPaths(fields: Readonly<Record<string, EventField>>, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([key, field]) =>
    field.kind === 'object' ? [prefix + key, ...allPaths(field.fields, `${prefix}${key}.`)] : [prefix + key]);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
