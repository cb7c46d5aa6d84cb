import type { Logger } from 'pino';
import { CALL_OUTCOME_TYPES, type CallEvent } from '../model/call-event.js';
import type { CallStateWrite, EnqueueItem, KvEntry, Store, TimerPayload } from '../store/store.js';
import {
  awaitsQuietEnd, callKey, closeQuietCall, decideOutcome, foldEvent, outcomeEvent, type CallState, type DurationLimits,
} from './call-state.js';

const MAX_CAS_RETRIES = 20;
/** How long a postponed decision waits before it looks again whether routing caught up. */
const POSTPONE_MS = 1000;
/** A decision is not postponed longer than this after its window closed (routing stuck on something else). */
const MAX_POSTPONE_MS = 10 * 60_000;
/** The key-value namespace of call states. */
export const CALLS_NAMESPACE = 'calls';

export interface CallTrackerOptions {
  /** A call with no event for this long is closed. */
  callTimeoutMs: number;
  /**
   * How long after a call's end the outcome waits for late events (platforms post legs in parallel,
   * so "answered" can arrive after "hangup"). 0 decides on the end event itself.
   */
  settleMs: number;
  /**
   * When every agent leg offered has ended unanswered and the caller's leg reports nothing for this
   * long, the call is missed (its end may never come: jambonz answerOnBridge). Default 20 s.
   */
  quietMs?: number;
  now: () => number;
  logger: Logger;
  /**
   * Called after each write of a tracker step, with its name (`tracker:state` for an event's step,
   * `timer:state` for a timer's, then `tracker:events`, `tracker:timers` where the outbox is
   * written apart): lets a fault test kill the process between two writes.
   */
  afterWrite?: (point: string) => void;
}

/** A timer one step of the tracker schedules. */
interface TimerRequest {
  kind: 'call-timeout' | 'call-settle' | 'call-quiet';
  delayMs: number;
}

/** One call's share of a batch: the events folded and what to write. */
export interface CallPlan {
  key: string;
  /** The batch's events of this call, to fold again on a revision conflict. */
  events: readonly CallEvent[];
  write: CallStateWrite;
}

interface Step {
  state?: CallState;
  derived: CallEvent[];
  timers?: TimerRequest[];
  /** Drop the call's state (closed long ago). */
  drop?: boolean;
}

/**
 * Keeps the state of each call in the store (so it survives restarts and is shared by nodes) and
 * emits call-level events into the event log. Each step writes the call's state, the events it
 * emits and the timers it schedules atomically where the store can (SQLite: one transaction);
 * elsewhere (NATS) the state is written first with the rest as its outbox, which any later reader
 * of the call redoes (appends and enqueues are idempotent), so a crash between the writes never
 * loses or postpones an outcome. Concurrent updates of one call (two nodes) are resolved with
 * compare-and-set: the loser re-reads and folds again.
 */
export class CallTracker {
  private readonly limits: DurationLimits;

  constructor(
    private readonly store: Pick<Store, 'kv' | 'append' | 'timers' | 'commitCallState'> & Partial<Pick<Store, 'routing'>>,
    private readonly options: CallTrackerOptions,
  ) {
    this.limits = {
      maxDurationSeconds: Math.round(options.callTimeoutMs / 1000),
      onDroppedDuration: (what, seconds, state) => options.logger.warn(
        { call: state.key, [what]: seconds },
        `dropped ${what} ${seconds}: negative or longer than the call timeout (a platform clock or time zone is off?)`,
      ),
    };
  }

  private get quietMs(): number {
    return this.options.quietMs ?? 20_000;
  }

  /**
   * How long a call's state is kept after its outcome: late events of the call still find it (and
   * change nothing), then it is dropped, so the store holds the calls of the last hour, not of the
   * last call timeout.
   */
  private get closedRetentionMs(): number {
    return Math.min(this.options.callTimeoutMs, 3600_000);
  }

  /**
   * Folds the event into its call, writes what follows, and returns the `missed`/`completed`
   * events it emitted (already in the log; for metrics). A redelivered event changes nothing.
   */
  async observe(event: CallEvent): Promise<CallEvent[]> {
    const plans = await this.plan([event]);
    const derived: CallEvent[] = [];
    for (const plan of plans) derived.push(...(await this.commit(plan)));
    return derived;
  }

  /**
   * Folds a batch of events into their calls: reads every call's state once (one round trip where
   * the store can), folds each call's events in order in memory, and returns one write per call
   * whose state changed. Nothing is written: the caller commits the plans (with the batch's
   * deliveries and acknowledgements, atomically, on stores that offer `commitRouting`), or hands
   * them to {@link commit} one by one.
   */
  async plan(events: readonly CallEvent[]): Promise<CallPlan[]> {
    const groups = new Map<string, CallEvent[]>();
    for (const event of events) {
      if ((CALL_OUTCOME_TYPES as readonly string[]).includes(event.type)) continue;
      const key = callKey(event);
      const group = groups.get(key);
      if (group) group.push(event);
      else groups.set(key, [event]);
    }
    if (!groups.size) return [];
    const current = await this.readStates([...groups.keys()]);
    const plans: CallPlan[] = [];
    for (const [key, group] of groups) {
      const entry = current.get(key);
      if (entry?.value.outbox) await this.flush(entry.value.outbox);
      const plan = this.fold(key, entry, group);
      if (plan) plans.push(plan);
    }
    return plans;
  }

  /**
   * Writes one call's plan on its own: atomically where the store can (`commitCallState`), else the
   * state first with its outbox, then the outbox. On a revision conflict (another node, or the timer
   * worker, wrote the call meanwhile) the call's events are folded again on the fresh state.
   * Returns the outcome events written.
   */
  async commit(plan: CallPlan): Promise<CallEvent[]> {
    let current = plan;
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      if (await this.write(current, 'tracker:state')) return current.write.events as CallEvent[];
      const entry = await this.store.kv(CALLS_NAMESPACE).get<CallState>(plan.key);
      if (entry?.value.outbox) await this.flush(entry.value.outbox);
      const again = this.fold(plan.key, entry, plan.events);
      if (!again) return [];
      current = again;
    }
    throw new Error(`updating call state ${plan.key}: too many concurrent updates`);
  }

  private async readStates(keys: string[]): Promise<Map<string, KvEntry<CallState>>> {
    const kv = this.store.kv(CALLS_NAMESPACE);
    if (kv.getMany) return kv.getMany<CallState>(keys);
    const out = new Map<string, KvEntry<CallState>>();
    await Promise.all(keys.map(async (key) => {
      const entry = await kv.get<CallState>(key);
      if (entry) out.set(key, entry);
    }));
    return out;
  }

  /** Folds one call's events onto its state; undefined when none of them changes it (all seen). */
  private fold(key: string, entry: KvEntry<CallState> | undefined, events: readonly CallEvent[]): CallPlan | undefined {
    const deferOutcome = this.options.settleMs > 0;
    let state = entry?.value;
    let changed = false;
    const derived: CallEvent[] = [];
    const timers: TimerRequest[] = [];
    for (const event of events) {
      const before = state;
      const step = foldEvent(before, event, { deferOutcome, ...this.limits });
      if (!step.changed) continue;
      changed = true;
      state = step.state;
      derived.push(...step.derived);
      if (!before) timers.push({ kind: 'call-timeout', delayMs: this.options.callTimeoutMs });
      if (state.settling && !before?.settling) timers.push({ kind: 'call-settle', delayMs: this.options.settleMs });
    }
    if (!changed || !state) return undefined;
    if (decided(state) && !(entry && decided(entry.value))) timers.push({ kind: 'call-timeout', delayMs: this.closedRetentionMs });
    // Every event of a call waiting under the quiet rule restarts its quiet period: one timer for the batch.
    if (awaitsQuietEnd(state)) timers.push({ kind: 'call-quiet', delayMs: this.quietMs });
    return { key, events, write: this.toWrite(key, state, entry?.revision ?? 0, derived, timers) };
  }

  private toWrite(key: string, state: CallState, expectedRevision: number, events: CallEvent[], requests: TimerRequest[]): CallStateWrite {
    const timers: EnqueueItem<TimerPayload>[] = requests.map((timer) => ({
      id: `${key}#timer${++state.timerSeq}`, payload: { kind: timer.kind, key }, notBefore: this.options.now() + timer.delayMs,
    }));
    return { key, value: state, expectedRevision, events, timers };
  }

  /**
   * A timer fired. `call-settle`: the settle window after the end passed, decide the outcome.
   * `call-quiet`: the quiet rule's period passed; a call still waiting under it is missed.
   * `call-timeout`: a call idle for `callTimeoutMs` is closed: an answered call gets its `completed`
   * summary (flagged `timed-out`); an unanswered one gets no outcome, because we never guess whether
   * it was missed (docs/calls.md). A closed call's state is dropped after the same delay.
   */
  async onTimer(payload: TimerPayload): Promise<CallEvent[]> {
    const now = this.options.now();
    const nowIso = new Date(now).toISOString();
    const trigger = { receivedAt: nowIso, occurredAt: nowIso };
    const idle = (state: CallState) => now - Date.parse(state.touchedAt);
    // Events stored but not routed yet (a node died holding them; its lease has not run out) may
    // belong to this call: a decision is postponed while any event stored before the call's
    // window closed still waits, so a crash cannot turn a missed call into a completed one.
    const waiting = payload.kind === 'call-timeout' ? undefined : await this.store.routing?.oldestWaiting?.().catch(() => undefined);
    const behind = (state: CallState, windowMs: number) => {
      const closesAt = Date.parse(payload.kind === 'call-quiet' ? state.touchedAt : state.endReceivedAt ?? state.touchedAt) + windowMs;
      return waiting !== undefined && waiting <= closesAt && now - closesAt < MAX_POSTPONE_MS;
    };
    return this.update(payload.key, (current): Step => {
      if (!current) return { derived: [] };
      const state = structuredClone(current);
      delete state.outbox;
      switch (payload.kind) {
        case 'call-settle': {
          if (!state.settling) return { derived: [] };
          if (behind(state, this.options.settleMs)) return { state, derived: [], timers: [{ kind: 'call-settle', delayMs: POSTPONE_MS }] };
          const derived = decideOutcome(state, { receivedAt: nowIso, occurredAt: state.endedAt ?? nowIso }, this.limits);
          return { state, derived, timers: [{ kind: 'call-timeout', delayMs: this.closedRetentionMs }] };
        }
        case 'call-quiet': {
          // A later event restarted the period (and scheduled its own timer), or the rule no longer applies.
          if (!awaitsQuietEnd(state) || idle(state) < this.quietMs) return { derived: [] };
          if (behind(state, this.quietMs)) return { state, derived: [], timers: [{ kind: 'call-quiet', delayMs: POSTPONE_MS }] };
          closeQuietCall(state);
          this.options.logger.info({ call: state.key }, "every agent leg ended unanswered and the caller's leg stayed silent: call missed (quiet rule)");
          return { state, derived: decideOutcome(state, trigger, this.limits), timers: [{ kind: 'call-timeout', delayMs: this.closedRetentionMs }] };
        }
        default:
          return this.onCallTimeout(state, idle(state), trigger);
      }
    });
  }

  private onCallTimeout(state: CallState, idleMs: number, trigger: { receivedAt: string; occurredAt: string }): Step {
    const timeout = this.options.callTimeoutMs;
    if (state.ended && !state.settling && idleMs >= (decided(state) ? this.closedRetentionMs : timeout)) return { derived: [], drop: true };
    let derived: CallEvent[] = [];
    if (!state.ended && idleMs >= timeout) {
      state.ended = true;
      state.flags = [...(state.flags ?? []), 'timed-out'];
      if (state.answered && !state.emitted.completed) {
        state.emitted.completed = true;
        derived = [outcomeEvent(state, 'completed', trigger, ['timed-out'], this.limits)];
      }
      this.options.logger.warn({ call: state.key, answered: state.answered }, 'call timed out without an end event; closed');
    } else if (state.settling && idleMs >= this.options.settleMs) {
      derived = decideOutcome(state, trigger, this.limits);
    }
    const wait = state.ended ? (decided(state) ? this.closedRetentionMs : timeout) : Math.max(1000, timeout - Math.max(0, idleMs));
    return { state, derived, timers: [{ kind: 'call-timeout', delayMs: wait }] };
  }

  /** Read, redo a pending outbox, change, write; on a conflict (another node wrote), read and change again. */
  private async update(key: string, change: (current: CallState | undefined) => Step): Promise<CallEvent[]> {
    const kv = this.store.kv(CALLS_NAMESPACE);
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const current = await kv.get<CallState>(key);
      if (current?.value.outbox) await this.flush(current.value.outbox);
      const step = change(current?.value);
      if (step.drop) {
        await kv.delete(key);
        return [];
      }
      if (!step.state) return step.derived;
      const write = this.toWrite(key, step.state, current?.revision ?? 0, step.derived, step.timers ?? []);
      if (await this.write({ key, events: [], write }, 'timer:state')) return step.derived;
    }
    throw new Error(`updating call state ${key}: too many concurrent updates`);
  }

  /** One call's write: atomic where the store can; else the state with its outbox, then the outbox. False on a conflict. */
  private async write(plan: CallPlan, point: string): Promise<boolean> {
    const { key, value, expectedRevision, events, timers } = plan.write;
    const state = value as CallState;
    if (this.store.commitCallState) {
      if ((await this.store.commitCallState(CALLS_NAMESPACE, plan.write)) === false) return false;
      this.options.afterWrite?.(point);
      return true;
    }
    if (events.length || timers.length) {
      state.outbox = { events: [...events], timers: timers.map((t) => ({ id: t.id, kind: t.payload.kind, notBefore: t.notBefore ?? 0 })) };
    }
    if ((await this.store.kv(CALLS_NAMESPACE).put(key, state, expectedRevision)) === false) return false;
    this.options.afterWrite?.(point);
    if (state.outbox) await this.flush(state.outbox);
    return true;
  }

  /** Makes the writes an outbox promised; each is idempotent (deterministic ids). */
  private async flush(outbox: NonNullable<CallState['outbox']>): Promise<void> {
    if (outbox.events.length) {
      await this.store.append(outbox.events);
      this.options.afterWrite?.('tracker:events');
    }
    if (outbox.timers.length) {
      await this.store.timers.enqueue(outbox.timers.map((t) => ({ id: t.id, payload: { kind: t.kind, key: keyOfTimer(t.id) }, notBefore: t.notBefore })));
      this.options.afterWrite?.('tracker:timers');
    }
  }
}

function keyOfTimer(timerId: string): string {
  return timerId.slice(0, timerId.lastIndexOf('#timer'));
}

/** The call's outcome was decided (or it was closed without one). */
function decided(state: CallState): boolean {
  return Boolean(state.emitted.missed || state.emitted.completed) || (state.ended && !state.settling);
}
