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
