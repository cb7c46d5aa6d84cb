import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { describeValue as describe } from './describe-value.js';
import { redactUrls } from '../util/redact.js';
import type { ConfigPath, FilePosition, YamlPositions } from './yaml-positions.js';

/**
 * Collects the problems of one config file, each with its file, line:col and path, so that the
 * whole file is checked before anything is reported: one mistake must not hide the others.
 */
export class IssueCollector {
  private readonly issues: ConfigIssue[] = [];

  constructor(readonly file: string, private readonly positions: YamlPositions) {}

  /** True when any problem was found. */
  get any(): boolean {
    return this.issues.length > 0;
  }

  /** Adds a problem whose position is already known (a YAML syntax error, a `${VAR}`). */
  add(position: FilePosition, path: string, message: string): void {
    this.issues.push({ file: this.file, ...position, path, message });
  }

  /** Adds a problem at a config path: the key there, or with `target: 'value'` its value. */
  report(path: ConfigPath, message: string, extra: Partial<ConfigIssue> = {}, target: 'key' | 'value' = 'key'): void {
    this.issues.push({ file: this.file, ...this.positions.locate(path, target), path: path.join('.'), message, ...extra });
  }

  /**
   * Adds every issue of a zod validation of `value`, which sits at `prefix` in the file. Values at
   * `secretPaths` (relative to `prefix`) are never echoed as what was found.
   */
  reportZod(prefix: ConfigPath, error: z.ZodError, value: unknown, secretPaths: readonly ConfigPath[] = []): void {
    for (const issue of error.issues) this.reportZodIssue(prefix, issue, value, secretPaths);
  }

  /** The problems as one error, in file order (`sorted`) or in the order found. */
  toError(sorted = true): ConfigError {
    return new ConfigError(sorted ? sortIssues(this.issues) : [...this.issues]);
  }

  private reportZodIssue(prefix: ConfigPath, issue: z.core.$ZodIssue, value: unknown, secretPaths: readonly ConfigPath[]): void {
    const issuePath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        this.report([...prefix, ...issuePath, key], `unknown key "${key}"`, { hint: 'check the spelling against the connector\'s config reference (`callrelay connectors`)' });
      }
      return;
    }
    const found = valueAt(value, issuePath);
    const secret = secretPaths.some((secretPath) => secretPath.every((part, i) => String(issuePath[i]) === String(part)));
    // A secret is never echoed; a URL is shown without its credentials.
    const shown = (v: unknown) => (secret && v !== null && typeof v !== 'object' && v !== undefined ? `${typeof v} (secret, not shown)` : redactUrls(describe(v)));
    const extra: Partial<ConfigIssue> = {};
    if (issue.code === 'invalid_type') {
      extra.expected = issue.expected === 'record' ? 'mapping' : issue.expected;
      extra.found = shown(found);
    } else if (issue.code === 'invalid_value') {
      extra.expected = issue.values.map((v) => JSON.stringify(v)).join(' | ');
      extra.found = shown(found);
    } else if (found !== undefined) {
      extra.found = shown(found);
    }
    const message = issue.code === 'invalid_type' && found === undefined ? 'required key is missing' : issue.message;
    this.report([...prefix, ...issuePath], message, extra);
  }
}

function valueAt(value: unknown, parts: ConfigPath): unknown {
  let current = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
