import { CALL_EVENT_FIELDS, LOCAL_TIME_FIELDS, type EventField } from './event-fields.js';

type JsonSchema = Record<string, unknown>;

/** Where {@link whenJsonSchema} is referenced from: the root's `$defs`, since `when` nests itself. */
export const WHEN_SCHEMA_REF = '#/$defs/when';

const LIST_ITEM = '\\.(0|[1-9]\\d*)$';

/**
 * `when` as JSON Schema, from the same field list `callrelay validate` checks against, so that an
 * editor completes field paths, event types and operators. It is never stricter than the validator
 * (a config an editor accepts may still get an error from `callrelay validate`, never the reverse):
 * numbers are allowed on text fields and numeric text on number fields, as the matcher compares them.
 */
export function whenJsonSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    all: { type: 'array', items: { $ref: WHEN_SCHEMA_REF }, description: 'Every clause matches.' },
    any: { type: 'array', items: { $ref: WHEN_SCHEMA_REF }, description: 'At least one clause matches.' },
    not: { $ref: WHEN_SCHEMA_REF, description: 'The clause does not match.' },
    businessHours: {
      type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: false,
      properties: { open: { type: 'string' }, closed: { type: 'string' } },
      description: 'The call started while the named business hours were open (or closed).',
    },
  };
  const patternProperties: Record<string, JsonSchema> = {};
  const visit = (fields: Readonly<Record<string, EventField>>, prefix: string) => {
    for (const [key, field] of Object.entries(fields)) {
      const path = prefix + key;
      properties[path] = condition(field);
      const pattern = `^${path.replace(/\./g, '\\.')}`;
      if (field.kind === 'object') visit(field.fields, `${path}.`);
      if (field.kind === 'free') patternProperties[`${pattern}\\..+`] = {};
      if (field.kind === 'string[]') {
        patternProperties[`${pattern}${LIST_ITEM}`] = condition({ kind: 'string' });
        properties[`${path}.length`] = condition({ kind: 'number' });
      }
    }
  };
  visit(CALL_EVENT_FIELDS, '');
  visit(LOCAL_TIME_FIELDS, '');
  const time = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$' };
  properties['local.time'] = { anyOf: [time, { type: 'array', items: time }, { type: 'object', additionalProperties: false, properties: {
    eq: time, ne: time, in: { type: 'array', items: time }, notIn: { type: 'array', items: time }, exists: { type: 'boolean' },
    between: { type: 'array', items: time, minItems: 2, maxItems: 2 },
  } }] };
  return {
    type: 'object',
    description: 'Match on event fields (docs/configuration.md#when). Keys are dotted paths; values are a value, a list (any of) or operators. Tested before the transforms.',
    properties, patternProperties, additionalProperties: false,
  };
}

/** A value, a list of values, or an operator mapping, for one field. */
function condition(field: EventField): JsonSchema {
  if (field.kind === 'free') return {};
  if (field.kind === 'object') {
    return { anyOf: [{ type: 'null' }, { type: 'object', properties: { exists: { type: 'boolean' } }, additionalProperties: false }] };
  }
  const value = valueSchema(field);
  const operators: Record<string, JsonSchema> = {
    eq: value, ne: value,
    in: { type: 'array', items: value }, notIn: { type: 'array', items: value },
    exists: { type: 'boolean' },
  };
  if (field.kind === 'number') for (const op of ['gt', 'gte', 'lt', 'lte']) operators[op] = { type: 'number' };
  else if (field.kind !== 'boolean') operators.matches = { type: 'string', format: 'regex' };
  return { anyOf: [value, { type: 'array', items: value }, { type: 'object', properties: operators, additionalProperties: false }] };
}

function valueSchema(field: EventField): JsonSchema {
  switch (field.kind) {
    case 'enum': return { enum: [...field.values, null] };
    case 'number': return { type: ['number', 'string', 'null'] };
    case 'boolean': return { enum: [true, false, 'true', 'false', null] };
    default: return { type: ['string', 'number', 'boolean', 'null'] };
  }
}
