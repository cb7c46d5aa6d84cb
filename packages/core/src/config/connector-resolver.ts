import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { ConnectorKind } from '../plugin/define.js';
import type { ConnectorRegistry, DefinitionOf } from '../plugin/registry.js';
import type { IssueCollector } from './issue-collector.js';
import { secretFields } from './secret-fields.js';
import type { ConfigPath } from './yaml-positions.js';

/**
 * The keys the core reads on an entry, next to the connector's own keys (`type`, a source's
 * `route`, a sink's `delivery`). `check: false` when the section's schema has checked them already.
 */
export interface BaseKeys<S extends z.ZodRawShape> {
  shape: S;
  check: boolean;
}

/** A config entry whose connector was found: its base keys and its own options, each when valid. */
export interface ConnectorEntry<K extends ConnectorKind, S extends z.ZodRawShape> {
  definition: DefinitionOf<K>;
  /** The core's keys, parsed; undefined when they had errors (reported). */
  base: z.output<z.ZodObject<S>> | undefined;
  /** The connector's own keys, validated by its schema; undefined when they had errors (reported). */
  options: Record<string, unknown> | undefined;
}

/**
 * Resolves the connector that a config entry names (a source, a sink, a pipeline's transform, the
 * store) and validates the entry: the core's keys against the core's schema, the rest against the
 * connector's own schema, strictly. Every problem goes to the collector with its path; the secret
 * fields found on the way are remembered for redaction.
 */
export class ConnectorResolver {
  /** Exact dotted paths of the secret fields that are set. */
  readonly secretKeys = new Set<string>();
  /** Their values (each item of a list, each value of a mapping). */
  readonly secretValues = new Set<string>();

  constructor(private readonly registry: ConnectorRegistry, private readonly baseDir: string, private readonly issues: IssueCollector) {}

  /** Undefined when the connector cannot be found (reported at `<where>.type`). */
  async resolve<K extends ConnectorKind, S extends z.ZodRawShape>(
    kind: K, raw: Record<string, unknown> & { type: string }, where: ConfigPath, baseKeys: BaseKeys<S>,
  ): Promise<ConnectorEntry<K, S> | undefined> {
    const keys = Object.keys(baseKeys.shape);
    const baseSchema = z.object(baseKeys.shape);
    const parsed = baseSchema.safeParse(pick(raw, keys));
    if (baseKeys.check && !parsed.success) this.issues.reportZod(where, parsed.error, raw);
    const definition = await this.definition(kind, raw.type, where);
    if (!definition) return undefined;
    return { definition, base: parsed.success ? parsed.data : undefined, options: this.options(definition, raw, keys, where) };
  }

  private async definition<K extends ConnectorKind>(kind: K, type: string, where: ConfigPath): Promise<DefinitionOf<K> | undefined> {
    try {
      return await this.registry.resolve(kind, type, this.baseDir);
    } catch (err) {
      this.issues.report([...where, 'type'], errorMessage(err), { found: JSON.stringify(type), hint: kind === 'store' ? undefined : 'run `callrelay connectors` to list what is installed' });
      return undefined;
    }
  }

  private options(definition: DefinitionOf<ConnectorKind>, raw: Record<string, unknown>, baseKeys: string[], where: ConfigPath): Record<string, unknown> | undefined {
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) if (!baseKeys.includes(key)) own[key] = value;
    const result = definition.config.strict().safeParse(own);
    if (!result.success) {
      // A secret that fails validation is named by its path, never echoed as "found".
      this.issues.reportZod(where, result.error, own, secretFields(definition.config, own).map((field) => field.path));
      return undefined;
    }
    for (const field of secretFields(definition.config, result.data)) {
      this.secretKeys.add([...where, ...field.path].join('.'));
      for (const value of field.values) this.secretValues.add(value);
    }
    return result.data as Record<string, unknown>;
  }
}

function pick(raw: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in raw) out[key] = raw[key];
  return out;
}
