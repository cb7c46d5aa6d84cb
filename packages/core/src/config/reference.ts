import { z } from 'zod';
import type { AnyConnectorDefinition } from '../plugin/define.js';
import { backlogSchema, deliverySchema, logSchema, serverSchema, trackerSchema } from './schema.js';

/**
 * One config key of a connector, as documented. Nested keys have their own entries, named by their
 * path: `auth.basic.username` (an object, or one alternative of a union), `callHookVerbs[].verb`
 * (the items of a list), `headers.<name>` (the values of a mapping).
 */
export interface ConfigFieldDoc {
  /** The key's path below the connector's entry. */
  key: string;
  /** Its type in Markdown (alternatives separated by an escaped `|`). */
  type: string;
  /** Whether it must be set: at the top level always, below it whenever its parent is set. */
  required: boolean;
  /** The value it takes when not set. */
  default?: unknown;
  /** Marked `secret()`: redacted in logs, never echoed in errors. */
  secret: boolean;
  /** What it is, from the schema's `description`. */
  description?: string;
}

/** The part of JSON Schema the reference reads (zod's output for config schemas). */
interface JsonProp {
  type?: string | string[];
  description?: string;
  default?: unknown;
  anyOf?: JsonProp[];
  oneOf?: JsonProp[];
  enum?: unknown[];
  const?: unknown;
  items?: JsonProp;
  properties?: Record<string, JsonProp>;
  required?: string[];
  additionalProperties?: JsonProp | boolean;
  secret?: boolean;
}

// Deeper than any connector nests: a schema that refers to itself ends here.
const MAX_DEPTH = 8;

function alternativesOf(prop: JsonProp): JsonProp[] | undefined {
  return prop.anyOf ?? prop.oneOf;
}

function typeOf(prop: JsonProp): string {
  if (prop.const !== undefined) return JSON.stringify(prop.const);
  if (prop.enum) return prop.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alternatives = alternativesOf(prop);
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' \\| ');
  if (prop.type === 'array') return `${prop.items ? typeOf(prop.items) : 'any'}[]`;
  if (Array.isArray(prop.type)) return prop.type.join(' \\| ');
  if (prop.type === undefined && prop.properties) return 'object';
  // A mapping of names to values (`z.record`): say what the values are.
  if (prop.type === 'object' && !prop.properties && prop.additionalProperties !== false && prop.additionalProperties !== undefined) {
    return isSchema(prop.additionalProperties) ? `mapping of ${typeOf(prop.additionalProperties)}` : 'mapping';
  }
  return prop.type ?? 'any';
}

function isSchema(value: JsonProp | boolean | undefined): value is JsonProp {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/** Secret when marked, or when every alternative (or every item) is: a secret or a list of secrets. */
function isSecretProp(prop: JsonProp): boolean {
  if (prop.secret === true) return true;
  const alternatives = alternativesOf(prop);
  if (alternatives?.length) return alternatives.every(isSecretProp);
  return prop.type === 'array' && prop.items !== undefined && isSecretProp(prop.items);
}

/** The keys documented under a key: its own fields, each alternative's, its items', its values'. */
function children(prop: JsonProp, path: string, depth: number): ConfigFieldDoc[] {
  if (depth >= MAX_DEPTH) return [];
  const rows: ConfigFieldDoc[] = [];
  if (prop.properties) rows.push(...fields(prop, path ? `${path}.` : '', depth));
  for (const alternative of alternativesOf(prop) ?? []) rows.push(...children(alternative, path, depth + 1));
  if (prop.type === 'array' && prop.items) rows.push(...children(prop.items, `${path}[]`, depth + 1));
  if (isSchema(prop.additionalProperties) && (prop.additionalProperties.properties || alternativesOf(prop.additionalProperties))) {
    rows.push(...children(prop.additionalProperties, `${path}.<name>`, depth + 1));
  }
  return rows;
}

/** One row per field of an object schema, each followed by the rows of what it contains. */
function fields(object: JsonProp, prefix: string, depth: number): ConfigFieldDoc[] {
  return Object.entries(object.properties ?? {}).flatMap(([name, prop]) => {
    const key = prefix + name;
    const row: ConfigFieldDoc = {
      key,
      type: typeOf(prop),
      required: (object.required?.includes(name) ?? false) && prop.default === undefined,
      ...(prop.default !== undefined ? { default: prop.default } : {}),
      secret: isSecretProp(prop),
      ...(prop.description ? { description: prop.description } : {}),
    };
    return [row, ...children(prop, key, depth + 1)];
  });
}

/**
 * The config keys of a connector, from the same schema that validates config files, all the way
 * down (nested objects, each alternative of a union, the items of lists): what
 * `callrelay connectors <type>` prints and what the docs' reference tables are generated from.
 * A key reached through several alternatives of a union is listed once, as the first one has it.
 */
export function describeConfig(definition: AnyConnectorDefinition): ConfigFieldDoc[] {
  return describeSchema(definition.config);
}

/** {@link describeConfig} of any object schema (a section of the file that the core reads itself). */
function describeSchema(schema: z.ZodType): ConfigFieldDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonProp;
  const byKey = new Map<string, ConfigFieldDoc>();
  for (const row of fields(json, '', 0)) if (!byKey.has(row.key)) byKey.set(row.key, row);
  return [...byKey.values()];
}

/** A Markdown table of {@link describeConfig}. */
export function configReferenceMarkdown(definition: AnyConnectorDefinition): string {
  return referenceTable(describeConfig(definition));
}

/** The sections of the file that the core reads itself, as documented in docs/configuration.md. */
const CORE_CONFIG_SECTIONS = {
  delivery: deliverySchema,
  server: serverSchema,
  tracker: trackerSchema,
  backlog: backlogSchema,
  log: logSchema,
} as const;

/** A Markdown table of one of the core's own sections (`sinks.<id>.delivery`, `server`, ...), from its schema. */
export function coreSectionReferenceMarkdown(section: CoreConfigSection): string {
  return referenceTable(describeSchema(CORE_CONFIG_SECTIONS[section]));
}

/** A section of the file that the core reads itself: a sink's `delivery`, `server`, `tracker`, `backlog`, `log`. */
export type CoreConfigSection = keyof typeof CORE_CONFIG_SECTIONS;

function referenceTable(fieldDocs: readonly ConfigFieldDoc[]): string {
  const rows = fieldDocs.map((f) => {
    const parent = parentKey(f.key);
    const required = !f.required ? '' : parent ? `required in \`${parent}\`` : '**required**';
    const notes = [required, f.secret ? 'secret' : ''].filter(Boolean).join(', ');
    const def = f.default !== undefined ? `\`${JSON.stringify(f.default)}\`` : '';
    return `| \`${f.key}\` | ${f.type} | ${def} | ${[notes, (f.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')].filter(Boolean).join('. ')} |`;
  });
  return ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The key a nested key belongs to (`auth.basic` of `auth.basic.username`, `verbs[]` of `verbs[].verb`), or '' at the top. */
function parentKey(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? '' : key.slice(0, dot).replace(/\.<name>$/, '.<name>');
}
