import { CallrelayError } from '../errors.js';

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
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line ? `${issue.file}:${issue.line}:${issue.column ?? 1}` : issue.file;
  let text = `${where}: ${issue.path || '(root)'}: ${issue.message}`;
  const detail = [issue.expected !== undefined ? `expected ${issue.expected}` : '', issue.found !== undefined ? `found ${issue.found}` : ''].filter(Boolean);
  if (detail.length) text += ` (${detail.join(', ')})`;
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
