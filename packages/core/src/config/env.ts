import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parse as parseYamlValue, visit, type Document, type Scalar } from 'yaml';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** `${VAR}`, `${VAR:-default}` or `${file:/path}`, with an optional leading `$` (the `$${` escape). */
const REFERENCE = /\$?\$\{(?:file:([^}]+)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)\}/g;

export interface EnvIssue {
  node: Scalar;
  message: string;
}

/** What {@link interpolateEnv} found: the problems, and the values it read from files (secrets). */
export interface EnvResult {
  issues: EnvIssue[];
  /**
   * Every value read from a file (`${file:/path}`, or `NAME_FILE` for an unset `${NAME}`): a file is
   * how secrets are handed to containers, so these are redacted wherever they appear.
   */
  fileValues: string[];
}

export interface EnvOptions {
  /** Folder that relative `${file:...}` paths are resolved against: the config file's folder. */
  baseDir?: string;
}

/**
 * A secret file's content without its trailing line ends: `echo secret > file` and Docker/compose
 * secrets written by editors end with a newline that is no part of the secret.
 */
function readSecretFile(file: string): { value: string } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // The system's message names the file and the reason (ENOENT, EACCES, EISDIR), never content.
    return { error: `reading secret file ${file}: ${(err as Error).message}` };
  }
  const value = text.replace(/[\r\n]+$/, '');
  return value === '' ? { error: `secret file ${file} is empty` } : { value };
}

/**
 * Replaces `${VAR}`, `${VAR:-default}` and `${file:/path}` in every string scalar of the document,
 * in place, so that errors keep their line numbers.
 *
 * - `${VAR}`: the environment variable; when it is unset (or empty) and `VAR_FILE` is set, the
 *   content of the file `VAR_FILE` names (the Docker/compose convention), then the default.
 * - `${file:/path}`: the file's content (relative paths from the config file's folder).
 *
 * A file's trailing line ends are trimmed; an unreadable or empty file is an error naming the file,
 * never its content. A plain (unquoted) scalar that is exactly one environment reference takes the
 * type of its value (`port: ${PORT:-8080}` is a number); a value read from a file stays a string, as
 * a secret such as `0123` must. `$${` escapes a literal `${`.
 */
export function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv, options: EnvOptions = {}): EnvResult {
  const issues: EnvIssue[] = [];
  const fileValues = new Set<string>();
  const resolve = (file: string) => path.resolve(options.baseDir ?? process.cwd(), file);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const whole = /^\$\{[^}]+\}$/.test(original);
      let fromFile = false;
      const replaced = original.replace(REFERENCE, (match, file: string | undefined, name: string | undefined, fallback: string | undefined) => {
        if (match.startsWith('$$')) return match.slice(1);
        if (file !== undefined) {
          const read = readSecretFile(resolve(file.trim()));
          if ('error' in read) {
            issues.push({ node, message: read.error });
            return match;
          }
          fromFile = true;
          fileValues.add(read.value);
          return read.value;
        }
        const value = env[name!];
        if (value !== undefined && value !== '') return value;
        const secretFile = env[`${name}_FILE`];
        if (secretFile !== undefined && secretFile !== '') {
          const read = readSecretFile(resolve(secretFile));
          if ('error' in read) {
            issues.push({ node, message: `environment variable ${name} is not set; ${name}_FILE is: ${read.error}` });
            return match;
          }
          fromFile = true;
          fileValues.add(read.value);
          return read.value;
        }
        if (fallback !== undefined) return fallback;
        issues.push({ node, message: `environment variable ${name} is not set and has no default (write \${${name}:-default} to give one, or set ${name}_FILE to a file that holds it)` });
        return match;
      });
      if (whole && !fromFile && node.type === 'PLAIN' && isScalar(node)) {
        try {
          const typed: unknown = parseYamlValue(replaced);
          node.value = typed === null || typeof typed === 'object' ? replaced : typed;
        } catch {
          node.value = replaced;
        }
      } else {
        node.value = replaced;
      }
    },
  });
  return { issues, fileValues: [...fileValues] };
}

export const ENV_PATTERN = PATTERN;
