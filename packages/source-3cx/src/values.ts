/**
 * Seconds of a WebhooksApi `Duration`: `mm:ss` as the seed shows (`00:06`), also `h:mm:ss` and
 * plain seconds; the CRM journal's `[Duration]` is a .NET TimeSpan (`00:01:05`, possibly with a
 * fraction: `00:01:05.4800000`). Undefined for blanks (a missed call's `"Duration": ""`) and
 * unreadable text.
 */
export function parseDuration(value: string | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text));
  const m = /^(?:(\d+):)?(\d{1,3}):(\d{1,2})(\.\d+)?$/.exec(text);
  if (!m) return undefined;
  const [hours, minutes, seconds] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3])];
  if (seconds > 59 || (m[1] !== undefined && minutes > 59)) return undefined;
  return hours * 3600 + minutes * 60 + Math.round(seconds + Number(m[4] ?? 0));
}

/** `True`/`False` as the add-on writes them (also booleans, `1`/`0`, `yes`/`no`). */
export function parseFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  return undefined;
}

/**
 * What the form variant's `title` says about the call:
 * `DID-420222000320:Answered call from 420774852629 (0:07)`, `Successful call to ... (0:06)`,
 * `Missed call by queue 804 from ...`, `Unanswered call to ...`.
 */
export function readTitle(title: string | undefined): { answered?: boolean; durationSeconds?: number } {
  if (!title) return {};
  const out: { answered?: boolean; durationSeconds?: number } = {};
  const duration = /\((\d+(?::\d{1,2}){1,2})\)\s*$/.exec(title);
  if (duration) {
    const seconds = parseDuration(duration[1]);
    if (seconds !== undefined) out.durationSeconds = seconds;
  }
  // The words open the title or follow the name of the line (`DID Serbia 021 3220 030:Missed call...`).
  const words = /(?:^|:)\s*(answered|successful|missed|unanswered|not answered)\b/i.exec(title)?.[1]?.toLowerCase();
  if (words === 'answered' || words === 'successful') out.answered = true;
  else if (words) out.answered = false;
  return out;
}
