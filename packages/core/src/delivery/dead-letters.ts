import type { DeadLetter, Store } from '../store/store.js';

/**
 * Puts dead letters back on their sink's queue and removes them from the list. A replayed delivery
 * gets a new id (`<id>~r<time>`), since the original id was already settled; sinks that need
 * idempotency across replays key on the event id. Works from any process sharing the store: a
 * running node picks the work up.
 */
export async function replayDeadLetters(
  store: Store,
  filter: { ids?: readonly string[]; sinkId?: string; now?: number },
): Promise<DeadLetter[]> {
  const letters = filter.ids?.length
    ? (await Promise.all(filter.ids.map((id) => store.deadLetters.get(id)))).filter((l): l is DeadLetter => l !== undefined)
    : await store.deadLetters.list({ sinkId: filter.sinkId });
  const now = filter.now ?? Date.now();
  for (const letter of letters) {
    const originalId = letter.delivery.replayOf ?? letter.id;
    await store.deliveries(letter.sinkId).enqueue([{
      id: `${originalId}~r${now}`,
      payload: { ...letter.delivery, replayOf: originalId },
    }]);
    await store.deadLetters.remove(letter.id);
  }
  return letters;
}

/** Which dead letters {@link purgeDeadLetters} removes: all the conditions given must hold. */
export interface DeadLetterSelection {
  /** Only these ids (see `callrelay dlq list`). */
  ids?: readonly string[];
  /** Only this sink's. */
  sinkId?: string;
  /** Only those that failed before this instant (epoch ms). */
  failedBefore?: number;
}

/**
 * The dead letters a selection names, without removing anything (what `callrelay dlq purge` shows
 * before it is confirmed). Ids that are not dead letters are returned in `missing`.
 */
export async function selectDeadLetters(store: Store, selection: DeadLetterSelection): Promise<{ letters: DeadLetter[]; missing: string[] }> {
  const ids = selection.ids?.length ? [...new Set(selection.ids)] : undefined;
  const candidates = ids
    ? (await Promise.all(ids.map((id) => store.deadLetters.get(id)))).filter((l): l is DeadLetter => l !== undefined)
    : await store.deadLetters.list({ sinkId: selection.sinkId });
  const missing = ids ? ids.filter((id) => !candidates.some((l) => l.id === id)) : [];
  const letters = candidates.filter((letter) => {
    if (selection.sinkId !== undefined && letter.sinkId !== selection.sinkId) return false;
    if (selection.failedBefore !== undefined) {
      const failedAt = Date.parse(letter.failedAt);
      // A letter whose time cannot be read is kept: purging is only for what is known to be old.
      if (Number.isNaN(failedAt) || failedAt >= selection.failedBefore) return false;
    }
    return true;
  });
  return { letters, missing };
}

/**
 * Removes dead letters for good (they are not delivered again). Returns those removed and the ids
 * that were not dead letters. Works from any process sharing the store; a letter replayed or purged
 * meanwhile by another process is simply gone.
 */
export async function purgeDeadLetters(store: Store, selection: DeadLetterSelection): Promise<{ purged: DeadLetter[]; missing: string[] }> {
  const { letters, missing } = await selectDeadLetters(store, selection);
  for (const letter of letters) await store.deadLetters.remove(letter.id);
  return { purged: letters, missing };
}
