import { isDeepStrictEqual } from 'node:util';
import type { ResolvedConfig } from '../config/load.js';

/**
 * Sections a reload cannot change while the node runs: the store holds every queue and the log,
 * the listeners are bound, the tracker's and backlog's settings are read by workers that run on.
 * A plain function: comparing two configurations needs nothing from the container.
 */
const RESTART_ONLY = ['store', 'server', 'admin', 'tracker', 'backlog', 'log'] as const;

/**
 * What in `next` differs from `current` and needs a restart (empty: it can be applied): the
 * sections above, and `secrets` when `next` has a secret value `current` does not, because the
 * process logger redacts the secret values it was created with and would print a new one.
 */
export function restartNeeded(current: ResolvedConfig, next: ResolvedConfig): string[] {
  const changed: string[] = [];
  const known = new Set(current.secretValues);
  if (next.secretValues.some((value) => !known.has(value))) changed.push('secrets');
  // Digest workers hold deliveries per pipeline and sink from the start: which pipelines digest is fixed too.
  const digests = (config: ResolvedConfig) => config.pipelines.flatMap((p) => (p.digest ? [[p.id, p.digest.calendar, [...p.to]]] : []));
  if (!isDeepStrictEqual(digests(current), digests(next))) changed.push('digests');
  for (const section of RESTART_ONLY) {
    const a = section === 'store' ? { type: current.store.definition.type, options: current.store.options } : current[section];
    const b = section === 'store' ? { type: next.store.definition.type, options: next.store.options } : next[section];
    if (!isDeepStrictEqual(a, b)) changed.push(section);
  }
  return changed;
}

/** Whether a connector's settings (type and options; a sink's delivery, a source's route) are the same. */
export function sameSettings<T extends { definition: { type: string }; options: Record<string, unknown> }>(a: T, b: T): boolean {
  const { definition: da, ...ra } = a;
  const { definition: db, ...rb } = b;
  return da.type === db.type && da === db && isDeepStrictEqual(ra, rb);
}
