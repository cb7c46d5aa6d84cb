import { z } from 'zod';
import type { ConnectorRegistry } from '../plugin/registry.js';
import type { AnyConnectorDefinition } from '../plugin/define.js';
import { backlogSchema, logSchema, pipelineSchema, serverSchema, sinkBaseShape, sourceBaseShape, storeBaseShape, trackerSchema } from './schema.js';
import { WHEN_SCHEMA_REF, whenJsonSchema } from './when-json-schema.js';
import { businessHoursSectionSchema } from '../calendar/schema.js';
import { routesSectionSchema } from '../pipeline/route-table.js';
import { filterStepConfig, routeStepConfig } from '../pipeline/core-steps.js';

const ID_PATTERN = '^[a-z0-9][a-z0-9_-]*$';

/** One connector's config as JSON Schema: its own keys plus the base keys, `type` fixed. */
function connectorSchema(definition: AnyConnectorDefinition, base: Record<string, z.ZodType>): Record<string, unknown> {
  const { type: _type, ...rest } = base;
  const shape = z.object({ ...rest, ...definition.config.shape, type: z.literal(definition.type) }).strict()
    .meta({ title: `${definition.kind} ${definition.type}`, description: definition.description });
  return z.toJSONSchema(shape, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, ...rest } = schema;
  return rest;
}

/**
 * The JSON Schema (draft 2020-12) of a whole config file with every connector the registry knows,
 * for editors (`# yaml-language-server: $schema=...`) and `callrelay schema`.
 */
export function configJsonSchema(registry: ConnectorRegistry): Record<string, unknown> {
  const toJson = (schema: z.ZodType) => strip(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>);
  const oneOfKind = (kind: 'source' | 'sink' | 'transform' | 'store', base: Record<string, z.ZodType>) => {
    const variants = registry.list(kind).map((d) => strip(connectorSchema(d, base)));
    return variants.length ? { anyOf: variants } : { type: 'object' };
  };
  const pipeline = toJson(pipelineSchema) as { properties?: Record<string, unknown> };
  if (pipeline.properties) {
    // The core's own steps (filter, route) next to the transforms the registry knows.
    const coreStep = (type: string, config: z.ZodObject, description: string) => {
      const step = toJson(z.object({ type: z.literal(type), ...config.shape }).strict().meta({ title: `step ${type}`, description })) as { properties?: Record<string, unknown> };
      if (step.properties?.when) step.properties.when = { $ref: WHEN_SCHEMA_REF };
      return step;
    };
    const transforms = oneOfKind('transform', {}) as { anyOf?: unknown[] };
    pipeline.properties.transforms = { type: 'array', items: { anyOf: [
      ...(transforms.anyOf ?? [transforms]),
      coreStep('filter', filterStepConfig, 'Drops the events that do not match a when condition, after the steps above it.'),
      coreStep('route', routeStepConfig, 'Looks the call up in a routing table and sets route.*.'),
    ] } };
    pipeline.properties.when = { $ref: WHEN_SCHEMA_REF };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'callrelay configuration',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      sources: { type: 'object', propertyNames: { pattern: ID_PATTERN }, additionalProperties: oneOfKind('source', sourceBaseShape) },
      sinks: { type: 'object', propertyNames: { pattern: ID_PATTERN }, additionalProperties: oneOfKind('sink', sinkBaseShape) },
      pipelines: { type: 'object', propertyNames: { pattern: ID_PATTERN }, additionalProperties: pipeline },
      server: toJson(serverSchema),
      store: oneOfKind('store', storeBaseShape),
      log: toJson(logSchema),
      tracker: toJson(trackerSchema),
      backlog: toJson(backlogSchema),
      businessHours: toJson(businessHoursSectionSchema),
      routes: toJson(routesSectionSchema),
    },
    $defs: { when: whenJsonSchema() },
  };
}
