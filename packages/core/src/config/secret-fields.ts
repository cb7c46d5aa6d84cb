import type { z } from 'zod';
import { isSecret } from './schema.js';
import type { ConfigPath } from './yaml-positions.js';

/** One field marked `secret()`: its path in the connector's options and the text values under it. */
export interface SecretField {
  path: ConfigPath;
  values: string[];
}

/**
 * The secret fields of a connector's options: walks the schema alongside the value (objects,
 * unions, lists, mappings, wrappers), so that only fields that are set are found, each with its
 * exact path. Under a secret field every text counts (a list of secrets during rotation, the
 * values of a mapping of headers).
 */
export function secretFields(schema: z.ZodType, value: unknown, path: ConfigPath = [], depth = 0): SecretField[] {
  if (depth > 16 || value === undefined || value === null) return [];
  if (path.length && isSecret(schema)) return [{ path, values: textsIn(value) }];
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const found: SecretField[] = [];
  const isMapping = typeof value === 'object' && !Array.isArray(value);
  switch (def.type) {
    case 'object':
      if (!isMapping) break;
      for (const [key, field] of Object.entries((schema as z.ZodObject<z.ZodRawShape>).shape)) {
        found.push(...secretFields(field as z.ZodType, (value as Record<string, unknown>)[key], [...path, key], depth + 1));
      }
      break;
    case 'union':
      for (const option of def.options as z.ZodType[]) found.push(...secretFields(option, value, path, depth + 1));
      break;
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => found.push(...secretFields(def.element as z.ZodType, item, [...path, i], depth + 1)));
      break;
    case 'record':
      if (isMapping) for (const [key, item] of Object.entries(value)) found.push(...secretFields(def.valueType as z.ZodType, item, [...path, key], depth + 1));
      break;
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      found.push(...secretFields(def.innerType as z.ZodType, value, path, depth + 1));
      break;
    case 'pipe':
      found.push(...secretFields(def.in as z.ZodType, value, path, depth + 1));
      break;
    default:
      break;
  }
  // A field reached through several options of a union is one field.
  return [...new Map(found.map((field) => [field.path.join('.'), field])).values()];
}

function textsIn(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(textsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(textsIn);
  return [];
}
