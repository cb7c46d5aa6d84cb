import { isScalar, parse as parseYamlValue, visit, type Document, type Scalar } from 'yaml';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface EnvIssue {
  node: Scalar;
  message: string;
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string scalar of the document, in place, so
 * that errors keep their line numbers. A plain (unquoted) scalar that is exactly one reference
 * takes the type of its value (`port: ${PORT:-8080}` is a number). `$${` escapes a literal `${`.
 */
export function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv): EnvIssue[] {
  const issues: EnvIssue[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const whole = /^\$\{[^}]+\}$/.test(original);
      const replaced = original.replace(/\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (match, name: string, fallback: string | undefined) => {
        if (match.startsWith('$$')) return match.slice(1);
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        issues.push({ node, message: `environment variable ${name} is not set and has no default (write \${${name}:-default} to give one)` });
        return match;
      });
      if (whole && node.type === 'PLAIN' && isScalar(node)) {
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
  return issues;
}

export const ENV_PATTERN = PATTERN;
