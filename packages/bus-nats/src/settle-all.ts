/**
 * Runs operations in parallel (pipelined on the one connection), waits for every one of them, and
 * then throws the first failure. Waiting for all keeps a failed batch from leaving requests in
 * flight behind the caller's back.
 */
export async function settleAll<T>(operations: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(operations);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
