/** What shapes a sink's retry schedule (`delivery` in the config). */
export interface BackoffOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/**
 * How much of a wait is random: each wait is its exponential step shortened by up to this share.
 * Narrow on purpose: the waits of a day-long schedule are long (an hour's wait already spreads over
 * 12 minutes, enough to keep thousands of retries from arriving together), and a narrow jitter
 * keeps the schedule's span what the docs promise (~1 day) instead of anywhere between half and all
 * of it, as "equal jitter" would.
 */
export const BACKOFF_JITTER = 0.2;

/** The exponential step before attempt `attempt + 1`: `initialBackoffMs` doubled per attempt, at most `maxBackoffMs`. */
export function backoffStep(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The wait after `attempt` failed attempts: the exponential step (see {@link backoffStep}) minus a
 * random share of up to {@link BACKOFF_JITTER}, so retries of many events spread out and a wait
 * never exceeds `maxBackoffMs`. Never less than `atLeastMs` (a `Retry-After`).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  atLeastMs = 0,
  random: () => number = Math.random,
): number {
  const step = backoffStep(attempt, options);
  return Math.round(Math.max(atLeastMs, step * (1 - BACKOFF_JITTER * random())));
}

/** One wait of a retry schedule: after attempt `afterAttempt` failed, the next comes this long later. */
export interface ScheduledWait {
  afterAttempt: number;
  minMs: number;
  maxMs: number;
}

/**
 * Every wait between `maxAttempts` attempts, with the shortest and longest the jitter allows
 * (no `Retry-After`, rate-limit waits not counted). What `docs/configuration.md` tabulates.
 */
export function backoffSchedule(options: BackoffOptions & { maxAttempts: number }): ScheduledWait[] {
  const waits: ScheduledWait[] = [];
  for (let attempt = 1; attempt < options.maxAttempts; attempt++) {
    waits.push({ afterAttempt: attempt, minMs: backoffDelay(attempt, options, 0, () => 1), maxMs: backoffDelay(attempt, options, 0, () => 0) });
  }
  return waits;
}

/** From the first attempt to the last, the shortest and longest time a delivery is retried before it is dead-lettered. */
export function backoffSpan(options: BackoffOptions & { maxAttempts: number }): { minMs: number; maxMs: number } {
  return backoffSchedule(options).reduce((span, wait) => ({ minMs: span.minMs + wait.minMs, maxMs: span.maxMs + wait.maxMs }), { minMs: 0, maxMs: 0 });
}
