const tails = new Map<string, Promise<void>>();

/**
 * Runs `work` after every earlier `work` of the same key has settled, across every sink instance
 * in the process, so that two writers of one file never interleave (nor both write a header).
 */
export function serially<T>(key: string, work: () => Promise<T>): Promise<T> {
  const run = (tails.get(key) ?? Promise.resolve()).then(work);
  const tail = run.then(() => undefined, () => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
