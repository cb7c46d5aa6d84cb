/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random, so
 * retries of many events spread out without ever retrying immediately. Never less than `atLeastMs`
 * (a `Retry-After`).
 */
export function backoffDelay(
  attempt: number,
  options: { initialBackoffMs: number; maxBackoffMs: number },
  atLeastMs = 0,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(atLeastMs, jittered));
}
