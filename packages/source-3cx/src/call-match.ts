import type { CallEventDraft, ConnectorContext, KeyValueStore } from '@callrelay/core';

/*
 * Finds the add-on's call for a CRM journal entry, so that a PBX that runs both (the WebhooksApi
 * add-on and the journal template) yields one call, and one outcome, per call.
 *
 * The journal carries no 3CX call id (none of its documented variables is one), so the entries
 * cannot simply share the add-on's `callId`. What both do carry is the call's local start second
 * (the add-on's id starts with it, `230307114903_10`; the journal sends `CallStartTimeLocal`) and
 * the external number. Whichever variant reports a call first claims that pair in the source's
 * shared state (`context.state`, so every node agrees), with its call id; later reports adopt it:
 *
 * - a journal entry adopts the add-on's call id found at its start second, or one second either
 *   side (the two may round differently), and otherwise claims the pair with its own id;
 * - add-on events keep their own call id, unless a journal entry claimed the pair first (the add-on
 *   was late or down while the call rang); then they adopt the journal's.
 *
 * What is not guaranteed: when the add-on's id time and `CallStartTimeLocal` differ by more than a
 * second, or the two report the number differently beyond its last 9 digits, the pair is not found
 * and the call is counted twice (two outcomes: a duplicate alert, never a lost one). Calls without
 * an external number (internal calls, `MAKECALL`, bare recording URLs) are not matched.
 */

/** Call ids derived from a journal entry start with this. */
export const JOURNAL_CALL_PREFIX = '3cx-journal-';

/** A call as both variants can name it. */
export interface CallMatchKey {
  /** The local start time as 3CX ids write it: `yyMMddHHmmss`. */
  localStart: string;
  /** The last 9 digits of the external number (`05552221133` and `+905552221133` agree). */
  number: string;
}

/** The digits that identify an external number, or undefined for extensions and markers (`MAKECALL`). */
export function numberKey(raw: string | undefined): string | undefined {
  const digits = raw?.replace(/\D/g, '') ?? '';
  return digits.length >= 7 ? digits.slice(-9) : undefined;
}

/** The key of an add-on event: the local start in its id and the number on the outside of the call. */
export function addonMatchKey(draft: CallEventDraft | undefined): CallMatchKey | undefined {
  const idTime = draft?.details?.idTime;
  if (!draft || typeof idTime !== 'string' || draft.flags?.includes('missing-id')) return undefined;
  const external = draft.direction === 'inbound' ? draft.from?.raw : draft.direction === 'outbound' ? draft.to?.raw : undefined;
  const number = numberKey(external);
  const localStart = /^20(\d{2})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(idTime)?.slice(1).join('');
  return number && localStart ? { localStart, number } : undefined;
}

const CACHE_SIZE = 10_000;

/** Claims and looks up call keys in the source's shared state. Claims are written once and never change. */
export class CallMatcher {
  /** Claims seen by this node: a claim never changes, so it can be kept. */
  private readonly known = new Map<string, string>();

  constructor(private readonly state: KeyValueStore, private readonly logger: ConnectorContext['logger']) {}

  /** The call id for an add-on event: its own, or that of a journal entry that claimed the call first. */
  async forAddon(key: CallMatchKey, ownCallId: string): Promise<string> {
    const holder = await this.claim(slot(key.localStart, key.number), ownCallId);
    return holder.startsWith(JOURNAL_CALL_PREFIX) ? holder : ownCallId;
  }

  /** The call id for a journal entry: the add-on's (or an earlier entry's) for the same call, else its own. */
  async forJournal(key: CallMatchKey, ownCallId: string): Promise<string> {
    for (const start of [key.localStart, shiftSeconds(key.localStart, -1), shiftSeconds(key.localStart, 1)]) {
      const holder = await this.read(slot(start, key.number));
      if (holder) return holder;
    }
    return this.claim(slot(key.localStart, key.number), ownCallId);
  }

  private async read(slotKey: string): Promise<string | undefined> {
    const cached = this.known.get(slotKey);
    if (cached) return cached;
    try {
      const holder = (await this.state.get<string>(slotKey))?.value;
      if (holder) this.remember(slotKey, holder);
      return holder;
    } catch (err) {
      this.logger.warn({ err, key: slotKey }, '3cx: could not read a call match; the call may be counted twice');
      return undefined;
    }
  }

  /** Writes the claim unless one exists; returns whoever holds it. */
  private async claim(slotKey: string, callId: string): Promise<string> {
    const cached = this.known.get(slotKey);
    if (cached) return cached;
    try {
      // Both variants report a call within minutes of its start: two days covers any late journal.
      if ((await this.state.put(slotKey, callId, 0, { ttlMs: 2 * 86_400_000 })) !== false) {
        this.remember(slotKey, callId);
        return callId;
      }
      const holder = (await this.state.get<string>(slotKey))?.value ?? callId;
      this.remember(slotKey, holder);
      return holder;
    } catch (err) {
      this.logger.warn({ err, key: slotKey }, '3cx: could not record a call match; the call may be counted twice');
      return callId;
    }
  }

  private remember(slotKey: string, callId: string): void {
    if (this.known.size >= CACHE_SIZE) this.known.delete(this.known.keys().next().value!);
    this.known.set(slotKey, callId);
  }
}

function slot(localStart: string, number: string): string {
  return `call-match/${localStart}/${number}`;
}

/** `yyMMddHHmmss` moved by `seconds` (as a wall-clock time: no zone is involved). */
function shiftSeconds(compact: string, seconds: number): string {
  const [yy, MM, dd, HH, mm, ss] = (compact.match(/\d{2}/g) ?? []).map(Number) as [number, number, number, number, number, number];
  const shifted = new Date(Date.UTC(2000 + yy, MM - 1, dd, HH, mm, ss) + seconds * 1000);
  return shifted.toISOString().slice(2, 19).replace(/\D/g, '');
}
