import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { defineTransform, type TransformDefinition } from '../plugin/define.js';
import { whenSchema } from '../config/schema.js';
import { matchesWhen, type WhenEnvironment } from './filter.js';
import type { RouteTable } from './route-table.js';

/** What the core's own steps read from the config file: calendars, source zones, routing tables. */
export interface PipelineEnvironment extends WhenEnvironment {
  routeTables: ReadonlyMap<string, RouteTable>;
}

/** Step types the core resolves itself (they read the config's calendars and tables), before any plugin. */
export const CORE_STEP_TYPES = ['filter', 'route'] as const;
export type CoreStepType = (typeof CORE_STEP_TYPES)[number];

export const filterStepConfig = z.object({
  when: whenSchema.meta({ description: 'The condition, in the `when` language; events that do not match leave the pipeline here.' }),
}).strict();

export const routeStepConfig = z.object({
  table: z.string().min(1).meta({ description: 'The name of a table of the top-level `routes` section.' }),
}).strict();

/**
 * `filter`: a `when` condition at its place among the steps, so that it can test what an earlier
 * step set (`route.team`, a field a `map` wrote). A pipeline's own `when` runs before every step.
 */
export function filterStep(env: PipelineEnvironment): TransformDefinition<typeof filterStepConfig> {
  return defineTransform({
    type: 'filter',
    description: 'Drops the events that do not match a `when` condition, at this point of the steps (after the steps above it).',
    config: filterStepConfig,
    example: { type: 'filter', when: { 'route.team': 'sales' } },
    create: (options) => ({ apply: (event) => (matchesWhen(event, options.when, env) ? event : null) }),
  });
}

/** The counter of calls no row matched, shared by every `route` step of the process. */
function unmatchedCounter(registry: Registry): Counter<'table'> {
  const name = 'callrelay_route_unmatched_total';
  return (registry.getSingleMetric(name) as Counter<'table'> | undefined)
    ?? new Counter({ name, help: 'Calls that matched no row of a routing table (they got its default row)', labelNames: ['table'], registers: [registry] });
}

/** `route`: looks the call up in a routing table and sets `route.*` (docs/routing-tables.md). */
export function routeStep(env: PipelineEnvironment): TransformDefinition<typeof routeStepConfig> {
  return defineTransform({
    type: 'route',
    description: 'Looks the call up in a routing table (`routes.<table>`) and sets `route.team`, `route.slackChannel`, ... for the steps, `filter` conditions and sinks after it.',
    config: routeStepConfig,
    example: { type: 'route', table: 'teams' },
    create(options, context) {
      const table = env.routeTables.get(options.table);
      // The loader checked the name; a table missing here is a bug of the embedder.
      if (!table) throw new Error(`no routing table named "${options.table}"`);
      const unmatched = unmatchedCounter(context.metrics);
      return {
        apply(event) {
          const match = table.lookup(event);
          if (!match.matched) unmatched.inc({ table: table.name });
          event.route = match;
          return event;
        },
      };
    },
  });
}

/** The definition of a core step for this config. */
export function coreStepDefinition(type: CoreStepType, env: PipelineEnvironment): TransformDefinition {
  return (type === 'filter' ? filterStep(env) : routeStep(env)) as unknown as TransformDefinition;
}
