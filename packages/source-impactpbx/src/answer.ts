import { has, int, pick, secondsBetween, text, time } from './values.js';

/** Hang-up causes that can only happen before anyone answered (FreeSWITCH cause names). */
const UNANSWERED_CAUSES = new Set(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL', 'USER_BUSY', 'CALL_REJECTED']);

/** `""`, `null`, `0` or `"0"`: the PBX's way of saying "never happened". */
function isBlank(value: unknown): boolean {
  return value === null || value === 0 || (typeof value === 'string' && (value.trim() === '' || value.trim() === '0'));
}

/**
 * Whether the payload says the call was answered: `true`, `false`, or `undefined` when it does
 * not say (no guessing). Evidence, strongest first:
 * 1. `answer_start` / `answer_start_uepoch` with a time → answered; present but empty or 0 → not;
 * 2. `billsec` (seconds talked) > 0 → answered; 0 → not;
 * 3. `duration` > 0 → answered; 0 → not (in the seed, `duration` is answer → end: 4 s of a 20 s call);
 * 4. a hang-up cause that only occurs before an answer (`NO_ANSWER`, `ORIGINATOR_CANCEL`...) → not.
 */
export function answeredPerPayload(body: Record<string, unknown>): boolean | undefined {
  const answerValues = ['answer_start', 'answer_start_uepoch'].filter((key) => has(body, key)).map((key) => pick(body, key));
  if (answerValues.some((value) => time(value))) return true;
  if (answerValues.length && answerValues.every(isBlank)) return false;
  for (const key of ['billsec', 'duration']) {
    const seconds = int(pick(body, key));
    if (seconds !== undefined) return seconds > 0;
  }
  const cause = text(pick(body, 'cause'))?.toUpperCase();
  if (cause && UNANSWERED_CAUSES.has(cause)) return false;
  return undefined;
}

/** Seconds talked: `billsec`, else `duration`, else answer → end. */
export function talkSecondsOf(body: Record<string, unknown>, answeredAt?: string, endedAt?: string): number | undefined {
  return int(pick(body, 'billsec')) ?? int(pick(body, 'duration')) ?? secondsBetween(answeredAt, endedAt);
}
