import { z } from 'zod';
import type { ConnectorRegistry, RegisteredConnector } from '../plugin/registry.js';
import type { ConnectorKind } from '../plugin/define.js';
import { rootSchema, sinkBaseShape, sourceBaseShape, storeBaseShape } from './schema.js';
import { WHEN_SCHEMA_REF, whenJsonSchema } from './when-json-schema.js';
import { filterStepConfig, routeStepConfig } from '../pipeline/core-steps.js';

type JsonSchema = Record<string, unknown>;
type JsonObjectSchema = JsonSchema & { properties: Record<string, JsonSchema> };

const toJson = (schema: z.ZodType): JsonSchema => strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);

/**
 * One connector's config as JSON Schema: its own keys plus the base keys, `type` fixed to what a
 * config names it by (the short type, or the package name of an installed package).
 */
function connectorSchema({ configType, definition }: RegisteredConnector, base: z.ZodRawShape): JsonSchema {
  const { type: _type, ...rest } = base;
  return toJson(z.object({ ...rest, ...definition.config.shape, type: z.literal(configType) }).strict()
    .meta({ title: `${definition.kind} ${configType}`, description: definition.description }));
}

function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _s, ...rest } = schema;
  return rest;
}

/**
 * The JSON Schema (draft 2020-12) of a whole config file with every connector the registry knows,
 * for editors (`# yaml-language-server: $schema=...`) and `callrelay schema`.
 *
 * Derived from the core's one description of the file (`rootSchema`, which `callrelay validate`
 * also uses): its sections, keys, defaults and id patterns. The parts the core leaves open to
 * connectors (an entry of `sources`, `sinks`, the `store`, a pipeline's `transforms`) become the
 * union of the installed connectors' schemas; `when` becomes the field-aware schema of
 * `when-json-schema.ts`, kept in `$defs` since it nests itself.
 */
export function configJsonSchema(registry: ConnectorRegistry): JsonSchema {
  const connectors = (kind: ConnectorKind, base: z.ZodRawShape): JsonSchema => {
    const variants = registry.connectors(kind).map((connector) => connectorSchema(connector, base));
    return variants.length ? { anyOf: variants } : { type: 'object' };
  };
  const root = toJson(rootSchema) as JsonObjectSchema;
  const sections = root.properties as Record<string, JsonSchema>;
  const pipeline = sections.pipelines!.additionalProperties as JsonObjectSchema;
  sections.sources!.additionalProperties = connectors('source', sourceBaseShape);
  sections.sinks!.additionalProperties = connectors('sink', sinkBaseShape);
  // The core's own steps (filter, route) next to the transforms the registry knows.
  const coreStep = (type: string, config: z.ZodObject, description: string) => {
    const step = toJson(z.object({ type: z.literal(type), ...config.shape }).strict().meta({ title: `step ${type}`, description })) as JsonObjectSchema;
    if (step.properties?.when) step.properties.when = { $ref: WHEN_SCHEMA_REF };
    return step;
  };
  const transforms = connectors('transform', {}) as { anyOf?: JsonSchema[] };
  pipeline.properties.transforms = { ...pipeline.properties.transforms, items: { anyOf: [
    ...(transforms.anyOf ?? [transforms]),
    coreStep('filter', filterStepConfig, 'Drops the events that do not match a when condition, after the steps above it.'),
    coreStep('route', routeStepConfig, 'Looks the call up in a routing table and sets route.*.'),
  ] } };
  pipeline.properties.when = { $ref: WHEN_SCHEMA_REF };
  const { properties: _p, additionalProperties: _a, type: _t, ...store } = sections.store!;
  sections.store = { ...store, ...connectors('store', storeBaseShape) };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'callrelay configuration',
    ...root,
    $defs: { when: whenJsonSchema() },
  };
}
