import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { CallrelayError, errorMessage } from '../errors.js';
import type { ConnectorRegistry } from '../plugin/registry.js';
import type { SourceDefinition, SinkDefinition, TransformDefinition, StoreDefinition } from '../plugin/define.js';
import { interpolateEnv } from './env.js';
import { describeValue as describe } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { validateWhen, type WhenContext } from './when-validation.js';
import { YamlPositions } from './yaml-positions.js';
import { IssueCollector } from './issue-collector.js';
import { ConnectorResolver, type BaseKeys } from './connector-resolver.js';
import { isCoreStep, resolveCoreStep, resolvePipelineEnvironment } from './pipeline-environment.js';
import type { PipelineEnvironment } from '../pipeline/core-steps.js';
import {
  rootSchema, idSchema, pipelineSchema, sourceBaseShape, sinkBaseShape, storeBaseShape,
  type DeliveryOptions, type WhenClause,
} from './schema.js';

type Root = z.output<typeof rootSchema>;

export interface ResolvedSource {
  id: string;
  definition: SourceDefinition;
  route: string;
  defaultCountry?: string;
  /** `timeZone`: the zone `when` reads this source's calls' local time in. */
  timeZone?: string;
  options: Record<string, unknown>;
}
export interface ResolvedSink {
  id: string;
  definition: SinkDefinition;
  delivery: DeliveryOptions;
  options: Record<string, unknown>;
}
export interface ResolvedTransform {
  definition: TransformDefinition;
  options: Record<string, unknown>;
}
export interface ResolvedPipeline {
  id: string;
  from: string[];
  when?: WhenClause;
  transforms: ResolvedTransform[];
  to: string[];
  /** `digest`: hold events while these business hours are closed, deliver them as one at the opening. */
  digest?: { calendar: string };
}

/** A config file validated against the core schema and every connector it names. */
export interface ResolvedConfig {
  file: string;
  baseDir: string;
  sources: ResolvedSource[];
  sinks: ResolvedSink[];
  pipelines: ResolvedPipeline[];
  server: Root['server'];
  store: { definition: StoreDefinition; options: Record<string, unknown> };
  log: Root['log'];
  tracker: Root['tracker'];
  backlog: Root['backlog'];
  /** The admin listener's settings; undefined when the file has no `admin` section (no admin listener). */
  admin: Root['admin'];
  /** What `when`, `filter` and `route` steps and digests read: business hours, routing tables, source time zones. */
  environment: PipelineEnvironment;
  /**
   * Exact dotted config paths of the secret fields that are set (`sources.pbx.auth.token.value`):
   * fields a connector schema marks `secret()`. Not bare key names: `value` is a secret in one
   * schema and call data everywhere else.
   */
  secretKeys: string[];
  /** The values of those fields (each item of a list, each value of a mapping): redacted wherever they appear in logs and CLI output. */
  secretValues: string[];
}

/** Reads, interpolates and validates a config file. Throws {@link ConfigError} listing every problem. */
export async function loadConfig(file: string, registry: ConnectorRegistry, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CallrelayError('CONFIG_UNREADABLE', `reading config file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  return parseConfig(text, { file, registry, env });
}

/** Same as {@link loadConfig} for text already in memory. */
export async function parseConfig(
  text: string,
  options: { file: string; registry: ConnectorRegistry; env?: NodeJS.ProcessEnv; baseDir?: string; http?: typeof fetch },
): Promise<ResolvedConfig> {
  const file = options.file;
  const baseDir = options.baseDir ?? path.dirname(path.resolve(file));
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positions = new YamlPositions(doc, lineCounter);
  const issues = new IssueCollector(file, positions);

  for (const error of doc.errors) issues.add(positions.at(error.pos[0]), '', error.message.split('\n')[0]!);
  if (issues.any) throw issues.toError(false);

  const env = interpolateEnv(doc, options.env ?? process.env, { baseDir });
  for (const envIssue of env.issues) {
    issues.add(positions.at(envIssue.node.range?.[0]), positions.pathOf(envIssue.node), envIssue.message);
  }

  const data: unknown = doc.toJS() ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    issues.report([], 'a config file is a mapping with sources, sinks and pipelines', { expected: 'mapping', found: describe(data) });
    throw issues.toError(false);
  }
  // Each section (and each entry of sources/sinks/pipelines) is validated on its own, so that one
  // mistake does not hide the others: the file's every error is reported at once.
  const input = data as Record<string, unknown>;
  const sections = rootSchema.shape;
  for (const key of Object.keys(input)) {
    if (!(key in sections)) {
      const hint = didYouMean(key, Object.keys(sections));
      issues.report([key], `unknown top-level key "${key}"`, { expected: Object.keys(sections).filter((k) => k !== '$schema').join(', '), ...(hint ? { hint } : {}) });
    }
  }
  const entries = <T>(key: 'sources' | 'sinks' | 'pipelines', schema: z.ZodType<T>): Record<string, T> => {
    const value = input[key];
    const out: Record<string, T> = {};
    if (value === undefined || value === null) return out;
    if (typeof value !== 'object' || Array.isArray(value)) {
      issues.report([key], `${key} is a mapping of id: settings`, { expected: 'mapping', found: describe(value) });
      return out;
    }
    for (const [id, entry] of Object.entries(value)) {
      const idResult = idSchema.safeParse(id);
      if (!idResult.success) issues.report([key, id], `invalid id "${id}": ${idResult.error.issues[0]?.message}`);
      const result = schema.safeParse(entry);
      if (!result.success) issues.reportZod([key, id], result.error, entry);
      else if (idResult.success) out[id] = result.data;
    }
    return out;
  };
  const section = <S extends z.ZodType>(key: 'server' | 'store' | 'log' | 'tracker' | 'backlog' | 'admin' | 'businessHours' | 'routes', schema: S): z.output<S> => {
    const result = schema.safeParse(input[key]);
    if (result.success) return result.data;
    // The admin token is the only secret of the core's sections: never echoed in an error.
    issues.reportZod([key], result.error, input[key], key === 'admin' ? [['token']] : []);
    return schema.parse(undefined);
  };
  const connectorEntry = z.looseObject({ type: z.string().meta({ description: 'Connector type' }) });
  const root = {
    sources: entries('sources', connectorEntry),
    sinks: entries('sinks', connectorEntry),
    // Each pipeline is checked below, part by part: one mistake must not hide the others.
    pipelines: entries('pipelines', z.record(z.string(), z.unknown(), { error: 'a pipeline is a mapping of from, to, and optionally when and transforms' })),
    server: section('server', sections.server),
    store: section('store', sections.store),
    log: section('log', sections.log),
    tracker: section('tracker', sections.tracker),
    backlog: section('backlog', sections.backlog),
    admin: section('admin', sections.admin),
    businessHours: section('businessHours', sections.businessHours),
    routes: section('routes', sections.routes),
  };
  const connectors = new ConnectorResolver(options.registry, baseDir, issues);
  // Values read from secret files are secrets wherever they are used.
  for (const value of env.fileValues) connectors.secretValues.add(value);

  const sources: ResolvedSource[] = [];
  const sourceDefinitions = new Map<string, SourceDefinition>();
  const routes = new Map<string, string>();
  for (const [id, raw] of Object.entries(root.sources)) {
    const where = ['sources', id];
    const entry = await connectors.resolve('source', raw, where, SOURCE_KEYS);
    if (!entry) continue;
    sourceDefinitions.set(id, entry.definition);
    if (!entry.base || !entry.options) continue;
    const route = entry.base.route ?? `/hooks/${id}`;
    const clash = routes.get(route);
    if (clash) issues.report([...where, 'route'], `route ${route} is already used by source ${clash}`);
    routes.set(route, id);
    sources.push({ id, definition: entry.definition, route, defaultCountry: entry.base.defaultCountry, timeZone: entry.base.timeZone, options: entry.options });
  }
  // The business hours and routing tables' own modules report through the same collector.
  const report: typeof issues.report = (...args) => issues.report(...args);
  const reportZod: typeof issues.reportZod = (...args) => issues.reportZod(...args);
  const environment = await resolvePipelineEnvironment(
    root, new Map(sources.flatMap((s) => (s.timeZone ? [[s.id, s.timeZone] as const] : []))), { baseDir, http: options.http }, report,
  );
  const calendarNames = Object.keys(mapping(input.businessHours) ?? {});

  const sinks: ResolvedSink[] = [];
  for (const [id, raw] of Object.entries(root.sinks)) {
    const entry = await connectors.resolve('sink', raw, ['sinks', id], SINK_KEYS);
    if (entry?.base && entry.options) sinks.push({ id, definition: entry.definition, delivery: entry.base.delivery, options: entry.options });
  }

  // Ids as written in the file, even of entries with errors of their own: a source whose settings
  // are wrong is reported there, not again as missing from every pipeline that names it.
  const sourceIds = Object.keys(mapping(input.sources) ?? {});
  const sinkIds = Object.keys(mapping(input.sinks) ?? {});
  const pipelines: ResolvedPipeline[] = [];
  for (const [id, raw] of Object.entries(root.pipelines)) {
    const where = ['pipelines', id];
    // The schema, the references and `when` are checked independently, so that a missing `from`
    // does not hide an unknown sink in `to`, nor either of them a typo in `when`.
    const parsed = pipelineSchema.safeParse(raw);
    if (!parsed.success) issues.reportZod(where, parsed.error, raw);
    const from = idsIn(raw.from);
    for (const [index, sourceId] of from) {
      if (!sourceIds.includes(sourceId)) {
        issues.report([...where, 'from', index], `no source with id "${sourceId}"`, { code: 'CONFIG_UNKNOWN_SOURCE', hint: hintIds('sources', sourceIds, sourceId) });
      }
    }
    for (const [index, sinkId] of idsIn(raw.to)) {
      if (!sinkIds.includes(sinkId)) {
        issues.report([...where, 'to', index], `no sink with id "${sinkId}"`, { code: 'CONFIG_UNKNOWN_SINK', hint: hintIds('sinks', sinkIds, sinkId) });
      }
    }
    const named = from.map(([, sourceId]) => sourceId).filter((sourceId) => sourceIds.includes(sourceId));
    const fromIds = named.length ? named : sourceIds;
    const definitions = fromIds.map((sourceId) => sourceDefinitions.get(sourceId));
    const whenContext = (sub: (string | number)[]): WhenContext => ({
      sourceIds: fromIds.length ? fromIds : undefined,
      // Only when every source's connector is known: a plugin's platform is its own to name.
      platforms: fromIds.length && definitions.every((d) => d !== undefined) ? [...new Set(definitions.map((d) => d!.platform ?? d!.type))] : undefined,
      sourceText: (rest) => positions.scalarSource([...where, ...sub, ...rest]),
      calendars: calendarNames,
    });
    const digestCalendar = mapping(raw.digest)?.calendar;
    if (typeof digestCalendar === 'string' && !calendarNames.includes(digestCalendar)) {
      const hint = didYouMean(digestCalendar, calendarNames);
      report([...where, 'digest', 'calendar'], `no business hours named "${digestCalendar}"`, { expected: calendarNames.length ? `one of ${calendarNames.join(', ')}` : 'an entry of the top-level businessHours section (there is none)', ...(hint ? { hint } : {}) }, 'value');
    }
    const when = mapping(raw.when);
    if (when) {
      const context = whenContext(['when']);
      for (const issue of validateWhen(when, context)) {
        const { path: sub, atValue, message, ...extra } = issue;
        issues.report([...where, 'when', ...sub], message, extra, atValue ? 'value' : 'key');
      }
    }
    const transforms: ResolvedTransform[] = [];
    const steps = Array.isArray(raw.transforms) ? raw.transforms : [];
    for (const [index, step] of steps.entries()) {
      const stepWhere = [...where, 'transforms', index];
      const stepOptions = mapping(step);
      if (!stepOptions || typeof stepOptions.type !== 'string') continue; // the schema reported it
      if (isCoreStep(stepOptions.type)) {
        const resolved = resolveCoreStep(stepOptions.type, stepOptions, stepWhere, environment, whenContext(['transforms', index]), report, reportZod);
        if (resolved) transforms.push(resolved);
        continue;
      }
      const entry = await connectors.resolve('transform', { ...stepOptions, type: stepOptions.type }, stepWhere, TRANSFORM_KEYS);
      if (entry?.options) transforms.push({ definition: entry.definition, options: entry.options });
    }
    if (parsed.success) pipelines.push({ id, from: parsed.data.from, when: parsed.data.when, transforms, to: parsed.data.to, ...(parsed.data.digest ? { digest: parsed.data.digest } : {}) });
  }

  const storeEntry = await connectors.resolve('store', root.store, ['store'], STORE_KEYS);
  const store = storeEntry?.options ? { definition: storeEntry.definition, options: storeEntry.options } : undefined;

  if (root.admin?.token) {
    connectors.secretKeys.add('admin.token');
    connectors.secretValues.add(root.admin.token);
  }
  if (issues.any || !store) throw issues.toError();
  return {
    file, baseDir, sources, sinks, pipelines, server: root.server, store, log: root.log, tracker: root.tracker, backlog: root.backlog,
    admin: root.admin, environment, secretKeys: [...connectors.secretKeys], secretValues: [...connectors.secretValues],
  };
}

// The core's keys of each kind of entry; the rest of an entry is the connector's. Sources and sinks
// have theirs checked here; a transform's `type` and the store's keys were checked with their section.
const SOURCE_KEYS: BaseKeys<typeof sourceBaseShape> = { shape: sourceBaseShape, check: true };
const SINK_KEYS: BaseKeys<typeof sinkBaseShape> = { shape: sinkBaseShape, check: true };
const TRANSFORM_KEYS: BaseKeys<{ type: z.ZodString }> = { shape: { type: z.string() }, check: false };
const STORE_KEYS: BaseKeys<typeof storeBaseShape> = { shape: storeBaseShape, check: false };

function mapping(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** The well-formed ids of a `from` or `to` list with their index; the schema reports the others. */
function idsIn(value: unknown): [number, string][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((id, index): [number, string][] => (typeof id === 'string' && idSchema.safeParse(id).success ? [[index, id]] : []));
}

function hintIds(kind: string, ids: string[], wrong: string): string {
  const defined = ids.length ? `${kind} defined in this file: ${ids.join(', ')}` : `this file defines no ${kind}`;
  const guess = didYouMean(wrong, ids);
  return guess ? `${guess} (${defined})` : defined;
}
