import { pino } from 'pino';
import { type CallEvent } from '@callrelay/core';
import { CallTracker, type CallTrackerOptions } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/core/memory-store';

/** Options of {@link trackCalls}. */
export interface TrackCallsOptions {
  settleMs?: number;
  quietMs?: number;
  callTimeoutMs?: number;
  /**
   * How far the manual clock runs after the last event, firing every timer due meanwhile. Default:
   * just under the call timeout, so outcomes come from the call's own events, settle window and quiet
   * rule, never from the 4-hour timeout.
   */
  horizonMs?: number;
  /** The store to run on (default a fresh {@link MemoryStore}); give one to inspect it afterwards. */
  store?: MemoryStore;
}

/**
 * Runs events through the real {@link CallTracker} on an in-memory store and a manual clock: each
 * event observed in the order given, then the clock advanced timer by timer (settle windows, quiet
 * periods) until nothing is due within the horizon. Returns the call-level events (`missed`,
 * `completed`) written to the log, in order. Pipeline tests and source contract suites use it to
 * assert outcomes without waiting in real time.
 */
export async function trackCalls(events: readonly CallEvent[], options: TrackCallsOptions = {}): Promise<CallEvent[]> {
  const store = options.store ?? new MemoryStore();
  const start = Math.max(Date.now(), ...events.map((e) => Date.parse(e.receivedAt)).filter(Number.isFinite));
  let now = start;
  const trackerOptions: CallTrackerOptions = {
    callTimeoutMs: options.callTimeoutMs ?? 4 * 3600_000,
    settleMs: options.settleMs ?? 2000,
    quietMs: options.quietMs ?? 20_000,
    now: () => now,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
  };
  const tracker = new CallTracker(store, trackerOptions);
  const outcomes: CallEvent[] = [];
  const collect = (derived: CallEvent[]) => { outcomes.push(...derived); };
  for (const event of events) collect(await tracker.observe(event));
  const horizon = start + (options.horizonMs ?? trackerOptions.callTimeoutMs - 1000);
  for (;;) {
    const due = store.timers.nextDue();
    if (due === undefined || due > horizon) break;
    now = Math.max(now, due);
    for (const payload of store.timers.takeDue(now)) collect(await tracker.onTimer(payload));
  }
  return outcomes;
}

/** Counts outcomes by type. */
export function countOutcomes(outcomes: readonly CallEvent[]): { missed: number; completed: number } {
  return {
    missed: outcomes.filter((e) => e.type === 'missed').length,
    completed: outcomes.filter((e) => e.type === 'completed').length,
  };
}
