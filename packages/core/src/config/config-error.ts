import { CallrelayError } from '../errors.js';

/**
 * Codes of single config problems (`ConfigIssue.code`), inside a `CONFIG_INVALID` error. Each is
 * documented in `docs/errors.md`. Issues found by a schema (a wrong type, a missing key) carry none.
 */
export const CONFIG_ISSUE_CODES = {
  CONFIG_UNKNOWN_SOURCE: "a pipeline's `from` names a source id the file does not define",
  CONFIG_UNKNOWN_SINK: "a pipeline's `to` names a sink id the file does not define",
  CONFIG_WHEN_UNKNOWN_FIELD: '`when` names a field the canonical event does not have',
  CONFIG_WHEN_UNKNOWN_VALUE: '`when` expects a value the field never takes (an event type, direction, outcome or source id that does not exist)',
  CONFIG_WHEN_UNKNOWN_OPERATOR: '`when` uses an operator that does not exist',
  CONFIG_WHEN_WRONG_TYPE: "`when` compares a field with a value or operator of another type (text on a number field, `gt` on text), so it could never match",
  CONFIG_WHEN_BAD_REGEX: '`when` has a `matches` that is not a valid regular expression',
  CONFIG_WHEN_EMPTY: '`when` has an empty list or mapping that matches no event (or, for an operator mapping, every event)',
} as const;
export type ConfigIssueCode = keyof typeof CONFIG_ISSUE_CODES;

/** One problem in a config file, with where it is and what would fix it. */
export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path (`sinks.alerts.delivery.maxAttempts`). */
  path: string;
  message: string;
  expected?: string;
  found?: string;
  hint?: string;
  /** What kind of problem, for the checks that have one ({@link CONFIG_ISSUE_CODES}). */
  code?: ConfigIssueCode;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  let text = `${where}: ${issue.path || '(root)'}: ${issue.message}`;
  const detail = [issue.expected !== undefined ? `expected ${issue.expected}` : '', issue.found !== undefined ? `found ${issue.found}` : ''].filter(Boolean);
  if (detail.length) text += ` (${detail.join(', ')})`;
  if (issue.code) text += ` [${issue.code}]`;
  if (issue.hint) text += `\n    hint: ${issue.hint}`;
  return text;
}

/** Every error of a config file at once; `issues` has them structured, `message` lists them. */
export class ConfigError extends CallrelayError {
  constructor(readonly issues: ConfigIssue[]) {
    super('CONFIG_INVALID', `${issues.length} error${issues.length === 1 ? '' : 's'} in configuration:\n${issues.map(formatIssue).join('\n')}`, { details: { issues } });
    this.name = 'ConfigError';
  }
}
