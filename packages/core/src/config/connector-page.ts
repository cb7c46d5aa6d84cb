/**
 * `@callrelay/core/connector-docs`: a connector's documentation page, generated from its definition.
 * An entry of its own so that `@callrelay/testkit` (and so a plugin's tests and docs script) use it
 * without the host's types, and the CLI's `callrelay new` writes the first page with the same code;
 * `@callrelay/core/host` re-exports it.
 */
import { stringify } from 'yaml';
import type { AnyConnectorDefinition } from '../plugin/define.js';
import { configReferenceMarkdown } from './reference.js';

export { configReferenceMarkdown } from './reference.js';

/** The markers around a page's generated config reference table. */
export const CONFIG_REFERENCE_MARKERS = { start: '<!-- config-reference:start -->', end: '<!-- config-reference:end -->' } as const;
/** The markers around a page's generated example pipeline. */
export const CONFIG_EXAMPLE_MARKERS = { start: '<!-- config-example:start -->', end: '<!-- config-example:end -->' } as const;

/** Keys of a connector's entry that the config loader reads itself, not the connector's schema. */
const LOADER_KEYS = new Set(['type', 'route', 'defaultCountry', 'delivery']);

/** How a connector is named in a pipeline file: its package name (a plugin outside the bundle), or its type. */
export interface ConnectorPageOptions {
  /** The npm package name users put in `type:` (`callrelay-sink-acme`); default the definition's type. */
  packageName?: string;
}

/**
 * What is wrong with a definition's `example` as a config entry: each issue of its schema's
 * validation (with the key's path), or that there is none. The loader's own keys (`type`, `route`,
 * `defaultCountry`, `delivery`) are left out. A value that is one whole environment reference
 * (`${SLACK_WEBHOOK_URL}`, `${VAR:-default}`, `${file:/run/secrets/x}`), as secrets should be
 * written, is filled in when the file is loaded and checked then: its issues are not the example's.
 * Any other value, a `${VAR}` inside a longer string included, is checked as written.
 */
export function connectorExampleProblems(definition: AnyConnectorDefinition): string[] {
  if (!definition.example) return [`${definition.kind} ${definition.type}: no example (set \`example\` on the definition)`];
  const own = Object.fromEntries(Object.entries(definition.example).filter(([key]) => !LOADER_KEYS.has(key)));
  const parsed = definition.config.safeParse(own);
  if (parsed.success) return [];
  return parsed.error.issues
    .filter((issue) => !isEnvReference(valueAt(own, issue.path)))
    .map((issue) => `${definition.kind} ${definition.type}: example ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}

/** `${NAME}`, `${NAME:-default}` or `${file:path}` and nothing else (config/env.ts reads them at load). */
const ENV_REFERENCE = /^\$\{(?:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?|file:[^}]+)\}$/;

function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && ENV_REFERENCE.test(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The example pipeline of a connector's page, in YAML: its example as an entry, in a pipeline. */
export function connectorExampleYaml(definition: AnyConnectorDefinition, options: ConnectorPageOptions = {}): string {
  const type = options.packageName ?? definition.type;
  const id = definition.type;
  const entry = { ...definition.example, type };
  let file: Record<string, unknown>;
  if (definition.kind === 'source') {
    file = {
      sources: { [id]: entry },
      sinks: { log: { type: 'console' } },
      pipelines: { [`${id}-to-log`]: { from: [id], to: ['log'] } },
    };
  } else if (definition.kind === 'sink') {
    file = { sinks: { [id]: entry }, pipelines: { [`calls-to-${id}`]: { from: ['<your source>'], to: [id] } } };
  } else if (definition.kind === 'transform') {
    file = { pipelines: { [`with-${id}`]: { from: ['<your source>'], transforms: [entry], to: ['<your sink>'] } } };
  } else {
    file = { store: entry };
  }
  return `\`\`\`yaml\n${stringify(file, { lineWidth: 0 }).trimEnd()}\n\`\`\``;
}

/**
 * Rewrites the part of a page between two markers (exclusive) with `content`. Returns the page
 * unchanged when it already holds that content, or `undefined` when the markers are missing or
 * out of order.
 */
export function replaceGeneratedPart(text: string, markers: { start: string; end: string }, content: string): string | undefined {
  const from = text.indexOf(markers.start);
  const to = text.indexOf(markers.end);
  if (from < 0 || to < from) return undefined;
  return `${text.slice(0, from + markers.start.length)}\n${content}\n${text.slice(to)}`;
}

/**
 * The whole documentation page of a connector, in Markdown: its kind and type as the title, its
 * description, how to install it (with a package name), the config reference table (from its
 * schema) and an example pipeline (from its `example`), each generated part between markers so that
 * {@link replaceGeneratedPart} keeps it current while the prose around it is edited by hand.
 */
export function connectorPage(definition: AnyConnectorDefinition, options: ConnectorPageOptions = {}): string {
  const kind = `${definition.kind[0]!.toUpperCase()}${definition.kind.slice(1)}`;
  const install = options.packageName
    ? ['## Install', '', 'In the folder of your pipeline file, next to `@callrelay/cli`:', '', '```sh', `npm install ${options.packageName}`, '```', '',
      `Name it by its package in a pipeline file: \`type: ${options.packageName}\`.`, '']
    : [];
  return [
    `# ${kind}: ${definition.type}`,
    '',
    definition.description,
    '',
    ...install,
    '## Config reference',
    '',
    CONFIG_REFERENCE_MARKERS.start,
    configReferenceMarkdown(definition),
    CONFIG_REFERENCE_MARKERS.end,
    '',
    '## Example',
    '',
    CONFIG_EXAMPLE_MARKERS.start,
    connectorExampleYaml(definition, options),
    CONFIG_EXAMPLE_MARKERS.end,
    '',
  ].join('\n');
}
