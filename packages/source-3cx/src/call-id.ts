/** A WebhooksApi id split into the call (legs folded) and the leg. */
export interface ThreeCxCallId {
  /** `230307142318_40` for `230307142318_40-2`: every leg of one call shares it. */
  callId: string;
  /** The id as sent (`230307142318_40-2`), when it names a leg. */
  legId?: string;
  /** The local start time encoded in the id (`2023-03-07T14:23:18`, no zone), when it has one. */
  localStart?: string;
}

/**
 * Splits `<yyMMddHHmmss>_<n>-<leg>`: legs -0, -1, -2 of one call share the part before the last
 * `-<leg>`. An id without a leg suffix is the call itself.
 */
export function parseCallId(id: string): ThreeCxCallId {
  const leg = /^(.+)-(\d+)$/.exec(id);
  const callId = leg ? leg[1]! : id;
  const localStart = localStartOf(callId);
  return { callId, ...(leg ? { legId: id } : {}), ...(localStart ? { localStart } : {}) };
}

/** The `yyMMddHHmmss` prefix as a local date-time, when it is one (12 digits, valid ranges). */
function localStartOf(callId: string): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_/.exec(callId);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute, second));
  // Reject what Date would silently roll over (month 13, 31 February...).
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return date.toISOString().slice(0, 19);
}

/**
 * The id a recording file name carries: the add-on names files `<id>-<n>.mp3`
 * (`.../recording/230307140234_35-1-1.mp3` for id `230307140234_35-1`).
 */
export function idFromRecordingUrl(url: string): string | undefined {
  let file: string;
  try {
    file = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  } catch {
    return undefined;
  }
  const m = /^(.+_\d+-\d+)-\d+\.[a-z0-9]+$/i.exec(file);
  return m ? m[1] : undefined;
}
