import { loadCalendars } from '../calendar/load-calendars.js';
import type { BusinessHoursConfig } from '../calendar/schema.js';
import { CORE_STEP_TYPES, coreStepDefinition, filterStepConfig, routeStepConfig, type CoreStepType, type PipelineEnvironment } from '../pipeline/core-steps.js';
import { RouteTable, type RouteTableConfig } from '../pipeline/route-table.js';
import type { TransformDefinition } from '../plugin/define.js';
import { didYouMean } from './did-you-mean.js';
import { validateWhen, type WhenContext } from './when-validation.js';
import type { ConfigIssue } from './config-error.js';

type Where = (string | number)[];
type Report = (path: Where, message: string, extra?: Partial<ConfigIssue>, target?: 'key' | 'value') => void;

/**
 * The `businessHours` and `routes` sections resolved for the pipelines: calendars loaded (iCal
 * files read, URLs fetched), tables indexed, each source's time zone. Problems go to `report`.
 */
export async function resolvePipelineEnvironment(
  sections: { businessHours: Readonly<Record<string, BusinessHoursConfig>>; routes: Readonly<Record<string, RouteTableConfig>> },
  sourceTimeZones: ReadonlyMap<string, string>,
  options: { baseDir: string; http?: typeof fetch; now?: number },
  report: Report,
): Promise<PipelineEnvironment> {
  const { calendars, issues } = await loadCalendars(sections.businessHours, { baseDir: options.baseDir, http: options.http ?? fetch, now: options.now ?? Date.now() });
  for (const issue of issues) report(['businessHours', ...issue.path], issue.message, issue.hint ? { hint: issue.hint } : {}, 'value');
  const routeTables = new Map(Object.entries(sections.routes).map(([name, config]) => [name, new RouteTable(name, config)]));
  return { calendars, sourceTimeZones, routeTables };
}

export function isCoreStep(type: string): type is CoreStepType {
  return (CORE_STEP_TYPES as readonly string[]).includes(type);
}

/**
 * A `filter` or `route` step: its options checked (the `when` of a filter like a pipeline's, the
 * table of a route among the config's), and its definition bound to the environment. Undefined
 * when something was reported.
 */
export function resolveCoreStep(
  type: CoreStepType, options: Record<string, unknown>, where: Where, env: PipelineEnvironment, whenContext: WhenContext, report: Report,
  reportZod: (where: Where, error: import('zod').ZodError, value: unknown) => void,
): { definition: TransformDefinition; options: Record<string, unknown> } | undefined {
  const own = Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'type'));
  const parsed = (type === 'filter' ? filterStepConfig : routeStepConfig).safeParse(own);
  if (!parsed.success) {
    reportZod(where, parsed.error, own);
    return undefined;
  }
  let ok = true;
  if (type === 'filter') {
    for (const issue of validateWhen((parsed.data as { when: Record<string, unknown> }).when, { ...whenContext, sourceText: (sub) => whenContext.sourceText?.(['when', ...sub]) })) {
      const { path: sub, atValue, message, ...extra } = issue;
      report([...where, 'when', ...sub], message, extra, atValue ? 'value' : 'key');
      ok = false;
    }
  } else {
    const table = (parsed.data as { table: string }).table;
    if (!env.routeTables.has(table)) {
      const names = [...env.routeTables.keys()];
      const hint = didYouMean(table, names);
      report([...where, 'table'], `no routing table named "${table}"`, { expected: names.length ? `one of ${names.join(', ')}` : 'a table of the top-level routes section (there is none)', found: JSON.stringify(table), ...(hint ? { hint } : {}) }, 'value');
      ok = false;
    }
  }
  return ok ? { definition: coreStepDefinition(type, env), options: parsed.data as Record<string, unknown> } : undefined;
}
