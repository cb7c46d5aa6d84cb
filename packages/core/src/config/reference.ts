import { z } from 'zod';
import type { AnyConnectorDefinition } from '../plugin/define.js';
import { isSecret } from './schema.js';

/** One config key of a connector, as documented. */
export interface ConfigFieldDoc {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  secret: boolean;
  description?: string;
}

interface JsonProp { type?: string | string[]; description?: string; default?: unknown; anyOf?: JsonProp[]; oneOf?: JsonProp[]; enum?: unknown[]; const?: unknown; items?: JsonProp }

function typeOf(prop: JsonProp): string {
  if (prop.const !== undefined) return JSON.stringify(prop.const);
  if (prop.enum) return prop.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const alternatives = prop.anyOf ?? prop.oneOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' \\| ');
  if (prop.type === 'array') return `${prop.items ? typeOf(prop.items) : 'any'}[]`;
  if (Array.isArray(prop.type)) return prop.type.join(' \\| ');
  return prop.type ?? 'object';
}

/**
 * The config keys of a connector, from the same schema that validates config files: what
 * `callrelay connectors <type>` prints and what the docs' reference tables are generated from.
 */
export function describeConfig(definition: AnyConnectorDefinition): ConfigFieldDoc[] {
  const json = z.toJSONSchema(definition.config, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonProp>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([key, prop]) => ({
    key,
    type: typeOf(prop),
    required: (json.required?.includes(key) ?? false) && prop.default === undefined,
    ...(prop.default !== undefined ? { default: prop.default } : {}),
    secret: isSecret(definition.config.shape[key] as z.ZodType),
    ...(prop.description ? { description: prop.description } : {}),
  }));
}

/** A Markdown table of {@link describeConfig}. */
export function configReferenceMarkdown(definition: AnyConnectorDefinition): string {
  const rows = describeConfig(definition).map((f) => {
    const notes = [f.required ? '**required**' : '', f.secret ? 'secret' : ''].filter(Boolean).join(', ');
    const def = f.default !== undefined ? `\`${JSON.stringify(f.default)}\`` : '';
    return `| \`${f.key}\` | ${f.type} | ${def} | ${[notes, (f.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')].filter(Boolean).join('. ')} |`;
  });
  return ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
