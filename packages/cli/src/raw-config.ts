import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, type Document } from 'yaml';

/** `${file:...}`, `${NAME}` or `${NAME:-default}` (the same forms the config loader interpolates). */
const REFERENCE = /\$?\$\{(?:file:([^}]+)|([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?)\}/g;

/** Text inside a double-quoted shell word: `\`, `"`, `$` and backquote escaped. */
export function doubleQuoted(text: string): string {
  return text.replace(/[\\"$`]/g, '\\$&');
}

/** A single-quoted shell word. */
export function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The config file as written, before `${...}` interpolation: which environment variable or file a
 * value came from, so that what the CLI prints refers to it (`$JAMBONZ_PASSWORD`) instead of
 * printing a secret.
 */
export class RawConfig {
  private constructor(private readonly doc: Document, private readonly baseDir: string) {}

  /** The file parsed again, or undefined when it cannot be (it was readable a moment ago). */
  static read(file: string): RawConfig | undefined {
    try {
      return new RawConfig(parseDocument(readFileSync(file, 'utf8')), path.dirname(path.resolve(file)));
    } catch {
      return undefined;
    }
  }

  /** The value at a config path as written, when it is a string. */
  text(at: readonly (string | number)[]): string | undefined {
    const value = this.doc.getIn(at);
    return typeof value === 'string' ? value : undefined;
  }

  /** The environment variables a value refers to (`${PORT:-8080}` → `['PORT']`). */
  variables(at: readonly (string | number)[]): string[] {
    const text = this.text(at);
    return text === undefined ? [] : [...text.matchAll(REFERENCE)].filter((m) => !m[0].startsWith('$$') && m[2]).map((m) => m[2]!);
  }

  /**
   * The value at a config path as the inside of a double-quoted shell word that gives the same
   * value in a shell with the node's environment: `${NAME}` and `${NAME:-default}` as written,
   * `$(cat '/run/secrets/x')` for `${file:...}` and for `${NAME}` read from `NAME_FILE`. Undefined
   * when the value is (or contains) text written in the file itself: that is a secret, not printed.
   */
  shellWord(at: readonly (string | number)[], env: NodeJS.ProcessEnv): string | undefined {
    const text = this.text(at);
    if (text === undefined) return undefined;
    let out = '';
    let last = 0;
    for (const match of text.matchAll(REFERENCE)) {
      if (match.index !== last || match[0].startsWith('$$')) return undefined;
      last = match.index + match[0].length;
      const [, file, name, fallback] = match;
      const catFile = (p: string) => `$(cat ${singleQuoted(path.resolve(this.baseDir, p))})`;
      if (file !== undefined) out += catFile(file.trim());
      else if (!env[name!] && env[`${name}_FILE`]) out += catFile(env[`${name}_FILE`]!);
      else out += fallback === undefined ? `\${${name}}` : `\${${name}:-${doubleQuoted(fallback)}}`;
    }
    return last === text.length && out !== '' ? out : undefined;
  }
}
