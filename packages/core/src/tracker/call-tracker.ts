import type { Logger } from 'pino';
import type { CallEvent } from '../model/call-event.js';
import type { KeyValueStore, WorkQueue, TimerPayload } from '../store/store.js';
import { callKey, decideOutcome, foldEvent, outcomeEvent, type CallState } from './call-state.js';

const MAX_CAS_RETRIES = 20;

export interface CallTrackerOptions {
  /** A call with no event for this long is closed. */
  callTimeoutMs: number;
  /**
   * How long after a call's end the outcome waits for late events (platforms post legs in parallel,
   * so "answered" can arrive after "hangup"). 0 decides on the end event itself.
   */
  settleMs: number;
  now: () => number;
  logger: Logger;
}

/**
 * Keeps the state of each call in the store (so it survives restarts and is shared by nodes) and
 * emits call-level events. Concurrent updates of one call (two nodes) are resolved with
 * compare-and-set: the loser re-reads and folds again.
 */
export class CallTracker {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly timers: WorkQueue<TimerPayload>,
    private readonly options: CallTrackerOptions,
  ) {}

  /** Folds the event into its call and returns the `missed`/`completed` events it triggers now. */
  async observe(event: CallEvent): Promise<CallEvent[]> {
    if (event.type === 'missed' || event.type === 'completed') return [];
    const key = callKey(event);
    const deferOutcome = this.options.settleMs > 0;
    return this.update(key, (current) => {
      const { state, derived } = foldEvent(current, event, { deferOutcome });
      if (current && state === current) return { derived };
      if (!current) state.timerSeq = 1;
      const startedSettling = state.settling && !current?.settling;
      return {
        state, derived,
        after: async () => {
          if (!current) await this.schedule(key, 'call-timeout', `timer${state.timerSeq}`, this.options.callTimeoutMs);
          if (startedSettling) await this.schedule(key, 'call-settle', 'settle', this.options.settleMs);
        },
      };
    });
  }

  /**
   * A timer fired. `call-settle`: the settle window after the end passed, decide the outcome.
   * `call-timeout`: a call idle for `callTimeoutMs` is closed: an answered call gets its `completed`
   * summary (flagged `timed-out`); an unanswered one gets no outcome, because we never guess whether
   * it was missed (docs/calls.md). A closed call's state is dropped after the same delay.
   */
  async onTimer(payload: TimerPayload): Promise<CallEvent[]> {
    const key = payload.key;
    const nowIso = new Date(this.options.now()).toISOString();
    const trigger = { receivedAt: nowIso, occurredAt: nowIso };
    if (payload.kind === 'call-settle') {
      return this.update(key, (current) => {
        if (!current || !current.settling) return { derived: [] };
        const state = structuredClone(current);
        const derived = decideOutcome(state, { receivedAt: nowIso, occurredAt: state.endedAt ?? nowIso });
        return { state, derived };
      });
    }
    let drop = false;
    const derived = await this.update(key, (current) => {
      if (!current) return { derived: [] };
      const state = structuredClone(current);
      const idleMs = this.options.now() - Date.parse(state.touchedAt);
      if (state.ended && !state.settling && idleMs >= this.options.callTimeoutMs) {
        drop = true;
        return { derived: [] };
      }
      let out: CallEvent[] = [];
      if (!state.ended && idleMs >= this.options.callTimeoutMs) {
        state.ended = true;
        state.flags = [...(state.flags ?? []), 'timed-out'];
        if (state.answered && !state.emitted.completed) {
          state.emitted.completed = true;
          out = [outcomeEvent(state, 'completed', trigger, ['timed-out'])];
        }
        this.options.logger.warn({ call: key, answered: state.answered }, 'call timed out without an end event; closed');
      } else if (state.settling && idleMs >= this.options.settleMs) {
        out = decideOutcome(state, trigger);
      }
      state.timerSeq += 1;
      const wait = state.ended ? this.options.callTimeoutMs : Math.max(1000, this.options.callTimeoutMs - Math.max(0, idleMs));
      return { state, derived: out, after: () => this.schedule(key, 'call-timeout', `timer${state.timerSeq}`, wait) };
    });
    if (drop) await this.kv.delete(key);
    return derived;
  }

  /** Read, change, compare-and-set; on a conflict (another node wrote), read and change again. */
  private async update(
    key: string,
    change: (current: CallState | undefined) => { state?: CallState; derived: CallEvent[]; after?: () => Promise<void> },
  ): Promise<CallEvent[]> {
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const current = await this.kv.get<CallState>(key);
      const result = change(current?.value);
      if (!result.state) return result.derived;
      const revision = await this.kv.put(key, result.state, current?.revision ?? 0);
      if (revision === false) continue;
      await result.after?.();
      return result.derived;
    }
    throw new Error(`updating call state ${key}: too many concurrent updates`);
  }

  private async schedule(key: string, kind: string, suffix: string, delayMs: number): Promise<void> {
    await this.timers.enqueue([{ id: `${key}#${suffix}`, payload: { kind, key }, notBefore: this.options.now() + delayMs }]);
  }
}
