import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, isNode, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { CallrelayError, errorMessage } from '../errors.js';
import type { ConnectorRegistry } from '../plugin/registry.js';
import type { SourceDefinition, SinkDefinition, TransformDefinition, StoreDefinition, ConnectorKind, AnyConnectorDefinition } from '../plugin/define.js';
import { interpolateEnv } from './env.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { describeValue as describe } from './describe-value.js';
import { didYouMean } from './did-you-mean.js';
import { redactUrls } from '../util/redact.js';
import { validateWhen, type WhenContext } from './when-validation.js';
import { isCoreStep, resolveCoreStep, resolvePipelineEnvironment } from './pipeline-environment.js';
import type { PipelineEnvironment } from '../pipeline/core-steps.js';
import {
  isSecret, rootSchema, idSchema, pipelineSchema, sourceBaseShape, sinkBaseShape, storeBaseShape,
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
  const issues: ConfigIssue[] = [];
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  for (const error of doc.errors) {
    issues.push({ file, ...at(error.pos[0]), path: '', message: error.message.split('\n')[0]! });
  }
  if (issues.length) throw new ConfigError(issues);

  for (const envIssue of interpolateEnv(doc, options.env ?? process.env)) {
    issues.push({ file, ...at(envIssue.node.range?.[0]), path: pathOfNode(doc, envIssue.node), message: envIssue.message });
  }

  const data: unknown = doc.toJS() ?? {};
  const report = (pathParts: (string | number)[], message: string, extra: Partial<ConfigIssue> = {}, target: 'key' | 'value' = 'key') => {
    issues.push({ file, ...locate(doc, pathParts, at, target), path: pathParts.join('.'), message, ...extra });
  };
  const reportZod = (prefix: (string | number)[], error: z.ZodError, value: unknown, secretPaths: readonly (string | number)[][] = []) => {
    for (const issue of error.issues) reportZodIssue(prefix, issue, value, report, secretPaths);
  };

  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    report([], 'a config file is a mapping with sources, sinks and pipelines', { expected: 'mapping', found: describe(data) });
    throw new ConfigError(issues);
  }
  // Each section (and each entry of sources/sinks/pipelines) is validated on its own, so that one
  // mistake does not hide the others: the file's every error is reported at once.
  const input = data as Record<string, unknown>;
  const sections = rootSchema.shape;
  for (const key of Object.keys(input)) {
    if (!(key in sections)) {
      const hint = didYouMean(key, Object.keys(sections));
      report([key], `unknown top-level key "${key}"`, { expected: Object.keys(sections).filter((k) => k !== '$schema').join(', '), ...(hint ? { hint } : {}) });
    }
  }
  const entries = <T>(key: 'sources' | 'sinks' | 'pipelines', schema: z.ZodType<T>): Record<string, T> => {
    const value = input[key];
    const out: Record<string, T> = {};
    if (value === undefined || value === null) return out;
    if (typeof value !== 'object' || Array.isArray(value)) {
      report([key], `${key} is a mapping of id: settings`, { expected: 'mapping', found: describe(value) });
      return out;
    }
    for (const [id, entry] of Object.entries(value)) {
      const idResult = idSchema.safeParse(id);
      if (!idResult.success) report([key, id], `invalid id "${id}": ${idResult.error.issues[0]?.message}`);
      const result = schema.safeParse(entry);
      if (!result.success) reportZod([key, id], result.error, entry);
      else if (idResult.success) out[id] = result.data;
    }
    return out;
  };
  const section = <S extends z.ZodType>(key: 'server' | 'store' | 'log' | 'tracker' | 'backlog' | 'businessHours' | 'routes', schema: S): z.output<S> => {
    const result = schema.safeParse(input[key]);
    if (result.success) return result.data;
    reportZod([key], result.error, input[key]);
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
    businessHours: section('businessHours', sections.businessHours),
    routes: section('routes', sections.routes),
  };
  const registry = options.registry;

  const resolveConnector = async <K extends ConnectorKind>(kind: K, type: string, where: (string | number)[]) => {
    try {
      return await registry.resolve(kind, type, baseDir);
    } catch (err) {
      report([...where, 'type'], errorMessage(err), { found: JSON.stringify(type), hint: kind === 'store' ? undefined : 'run `callrelay connectors` to list what is installed' });
      return undefined;
    }
  };
  const secretKeys = new Set<string>();
  const secretValues = new Set<string>();
  const validateOptions = (definition: AnyConnectorDefinition, raw: Record<string, unknown>, baseKeys: string[], where: (string | number)[]) => {
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) if (!baseKeys.includes(key)) own[key] = value;
    const result = definition.config.strict().safeParse(own);
    if (!result.success) {
      // A secret that fails validation is named by its path, never echoed as "found".
      reportZod(where, result.error, own, secretFields(definition.config, own).map((field) => field.path));
      return undefined;
    }
    for (const field of secretFields(definition.config, result.data)) {
      secretKeys.add([...where, ...field.path].join('.'));
      for (const value of field.values) secretValues.add(value);
    }
    return result.data as Record<string, unknown>;
  };

  const sources: ResolvedSource[] = [];
  const sourceDefinitions = new Map<string, SourceDefinition>();
  const routes = new Map<string, string>();
  for (const [id, raw] of Object.entries(root.sources)) {
    const where = ['sources', id];
    const base = z.object(sourceBaseShape).safeParse(pick(raw, Object.keys(sourceBaseShape)));
    if (!base.success) reportZod(where, base.error, raw);
    const definition = await resolveConnector('source', raw.type, where);
    if (!definition) continue;
    sourceDefinitions.set(id, definition);
    const options = validateOptions(definition, raw, Object.keys(sourceBaseShape), where);
    if (!base.success || !options) continue;
    const route = base.data.route ?? `/hooks/${id}`;
    const clash = routes.get(route);
    if (clash) report([...where, 'route'], `route ${route} is already used by source ${clash}`);
    routes.set(route, id);
    sources.push({ id, definition, route, defaultCountry: base.data.defaultCountry, timeZone: base.data.timeZone, options });
  }
  const environment = await resolvePipelineEnvironment(
    root, new Map(sources.flatMap((s) => (s.timeZone ? [[s.id, s.timeZone] as const] : []))), { baseDir, http: options.http }, report,
  );
  const calendarNames = Object.keys(mapping(input.businessHours) ?? {});

  const sinks: ResolvedSink[] = [];
  for (const [id, raw] of Object.entries(root.sinks)) {
    const where = ['sinks', id];
    const base = z.object(sinkBaseShape).safeParse(pick(raw, Object.keys(sinkBaseShape)));
    if (!base.success) reportZod(where, base.error, raw);
    const definition = await resolveConnector('sink', raw.type, where);
    if (!definition) continue;
    const options = validateOptions(definition, raw, Object.keys(sinkBaseShape), where);
    if (!base.success || !options) continue;
    sinks.push({ id, definition, delivery: base.data.delivery, options });
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
    if (!parsed.success) reportZod(where, parsed.error, raw);
    const from = idsIn(raw.from);
    for (const [index, sourceId] of from) {
      if (!sourceIds.includes(sourceId)) {
        report([...where, 'from', index], `no source with id "${sourceId}"`, { code: 'CONFIG_UNKNOWN_SOURCE', hint: hintIds('sources', sourceIds, sourceId) });
      }
    }
    for (const [index, sinkId] of idsIn(raw.to)) {
      if (!sinkIds.includes(sinkId)) {
        report([...where, 'to', index], `no sink with id "${sinkId}"`, { code: 'CONFIG_UNKNOWN_SINK', hint: hintIds('sinks', sinkIds, sinkId) });
      }
    }
    const named = from.map(([, sourceId]) => sourceId).filter((sourceId) => sourceIds.includes(sourceId));
    const fromIds = named.length ? named : sourceIds;
    const definitions = fromIds.map((sourceId) => sourceDefinitions.get(sourceId));
    const whenContext = (sub: (string | number)[]): WhenContext => ({
      sourceIds: fromIds.length ? fromIds : undefined,
      // Only when every source's connector is known: a plugin's platform is its own to name.
      platforms: fromIds.length && definitions.every((d) => d !== undefined) ? [...new Set(definitions.map((d) => d!.platform ?? d!.type))] : undefined,
      sourceText: (rest) => scalarSource(doc, [...where, ...sub, ...rest]),
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
        report([...where, 'when', ...sub], message, extra, atValue ? 'value' : 'key');
      }
    }
    const transforms: ResolvedTransform[] = [];
    const steps = Array.isArray(raw.transforms) ? raw.transforms : [];
    for (const [index, step] of steps.entries()) {
      const stepWhere = [...where, 'transforms', index];
      const options = mapping(step);
      if (!options || typeof options.type !== 'string') continue; // the schema reported it
      if (isCoreStep(options.type)) {
        const resolved = resolveCoreStep(options.type, options, stepWhere, environment, whenContext(['transforms', index]), report, reportZod);
        if (resolved) transforms.push(resolved);
        continue;
      }
      const definition = await resolveConnector('transform', options.type, stepWhere);
      if (!definition) continue;
      const resolved = validateOptions(definition, options, ['type'], stepWhere);
      if (resolved) transforms.push({ definition, options: resolved });
    }
    if (parsed.success) pipelines.push({ id, from: parsed.data.from, when: parsed.data.when, transforms, to: parsed.data.to, ...(parsed.data.digest ? { digest: parsed.data.digest } : {}) });
  }

  let store: ResolvedConfig['store'] | undefined;
  const storeDefinition = await resolveConnector('store', root.store.type, ['store']);
  if (storeDefinition) {
    const options = validateOptions(storeDefinition, root.store, Object.keys(storeBaseShape), ['store']);
    if (options) store = { definition: storeDefinition, options };
  }

  if (issues.length || !store) throw new ConfigError(sortIssues(issues));
  return { file, baseDir, sources, sinks, pipelines, server: root.server, store, log: root.log, tracker: root.tracker, backlog: root.backlog, environment, secretKeys: [...secretKeys], secretValues: [...secretValues] };
}

function reportZodIssue(
  prefix: (string | number)[],
  issue: z.core.$ZodIssue,
  value: unknown,
  report: (p: (string | number)[], m: string, extra?: Partial<ConfigIssue>) => void,
  secretPaths: readonly (string | number)[][] = [],
): void {
  const issuePath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      report([...prefix, ...issuePath, key], `unknown key "${key}"`, { hint: 'check the spelling against the connector\'s config reference (`callrelay connectors`)' });
    }
    return;
  }
  const found = valueAt(value, issuePath);
  const secret = secretPaths.some((secretPath) => secretPath.every((part, i) => String(issuePath[i]) === String(part)));
  // A secret is never echoed; a URL is shown without its credentials.
  const shown = (v: unknown) => (secret && v !== null && typeof v !== 'object' && v !== undefined ? `${typeof v} (secret, not shown)` : redactUrls(describe(v)));
  const extra: Partial<ConfigIssue> = {};
  if (issue.code === 'invalid_type') {
    extra.expected = issue.expected === 'record' ? 'mapping' : issue.expected;
    extra.found = shown(found);
  } else if (issue.code === 'invalid_value') {
    extra.expected = issue.values.map((v) => JSON.stringify(v)).join(' | ');
    extra.found = shown(found);
  } else if (found !== undefined) {
    extra.found = shown(found);
  }
  const message = issue.code === 'invalid_type' && found === undefined ? 'required key is missing' : issue.message;
  report([...prefix, ...issuePath], message, extra);
}

function mapping(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/** The well-formed ids of a `from` or `to` list with their index; the schema reports the others. */
function idsIn(value: unknown): [number, string][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((id, index): [number, string][] => (typeof id === 'string' && idSchema.safeParse(id).success ? [[index, id]] : []));
}

function valueAt(value: unknown, parts: (string | number)[]): unknown {
  let current = value;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/**
 * Position of the deepest node that exists on the path: for a mapping entry, its key, or with
 * `target: 'value'` its value (`type: mised` points at `mised`).
 */
function locate(doc: Document, parts: (string | number)[], at: (offset: number | undefined) => { line?: number; column?: number }, target: 'key' | 'value' = 'key') {
  const { node, offset, complete } = walk(doc, parts);
  if (target === 'value' && complete && isNode(node) && node.range) return at(node.range[0]);
  return at(offset);
}

/** The node at a path, and the offset of the deepest key or item found on the way. */
function walk(doc: Document, parts: (string | number)[]): { node: unknown; offset: number | undefined; complete: boolean } {
  let node: unknown = doc.contents;
  let offset: number | undefined = (doc.contents as Node | null)?.range?.[0];
  for (const part of parts) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) return { node, offset, complete: false };
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      const item = (node as { items: unknown[] }).items[Number(part)];
      if (!isNode(item)) return { node, offset, complete: false };
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return { node, offset, complete: false };
    }
  }
  return { node, offset, complete: true };
}

/** The text of the scalar at a path as written in the file (`+14155551234`, `0101`), if it is one. */
function scalarSource(doc: Document, parts: (string | number)[]): string | undefined {
  const { node, complete } = walk(doc, parts);
  return complete && isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
}

function pathOfNode(doc: Document, target: Node): string {
  const found: string[] = [];
  const walk = (node: unknown, trail: string[]): boolean => {
    if (node === target) {
      found.push(...trail);
      return true;
    }
    if (isMap(node)) return node.items.some((pair) => walk(pair.value, [...trail, String(isScalar(pair.key) ? pair.key.value : '?')]));
    if (node && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
      return (node as { items: unknown[] }).items.some((item, i) => walk(item, [...trail, String(i)]));
    }
    return false;
  };
  walk(doc.contents, []);
  return found.join('.');
}

function pick(raw: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in raw) out[key] = raw[key];
  return out;
}

function hintIds(kind: string, ids: string[], wrong: string): string {
  const defined = ids.length ? `${kind} defined in this file: ${ids.join(', ')}` : `this file defines no ${kind}`;
  const guess = didYouMean(wrong, ids);
  return guess ? `${guess} (${defined})` : defined;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

/** One field marked `secret()`: its path in the connector's options and the text values under it. */
interface SecretField {
  path: (string | number)[];
  values: string[];
}

/**
 * The secret fields of a connector's options: walks the schema alongside the value (objects,
 * unions, lists, mappings, wrappers), so that only fields that are set are found, each with its
 * exact path. Under a secret field every text counts (a list of secrets during rotation, the
 * values of a mapping of headers).
 */
function secretFields(schema: z.ZodType, value: unknown, path: (string | number)[] = [], depth = 0): SecretField[] {
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
