import { createHash } from 'node:crypto';

/**
 * Deterministic event id: a platform that retries a webhook sends the same body, so the same
 * source and dedupe key must give the same id, and the event log can recognise the retry.
 */
export function eventId(sourceId: string, dedupeKey: string): string {
  return createHash('sha256').update(sourceId).update('\0').update(dedupeKey).digest('base64url').slice(0, 32);
}

/** SHA-256 of `data`, as lower-case hex (e.g. a dedupe key from a body). */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
