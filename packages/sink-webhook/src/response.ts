import { outcomeForHttpStatus, type DeliveryOutcome } from '@callrelay/core';

const EXCERPT_CHARS = 200;
const EXCERPT_BYTES = 4096;
/**
 * A body is read to its end, so that the connection goes back to the pool for the next request
 * (cancelling an unread body closes the connection: measured, a 70 KB answer cancelled cost one
 * connection per request). Past this size it is cancelled instead: a new connection is cheaper.
 */
const DRAIN_BYTES = 64 * 1024;

/**
 * The outcome of a receiver's answer: 2xx delivered; 408, 425, 429 and 5xx retried (honouring
 * `Retry-After`; 429 does not spend an attempt); anything else, redirects included, permanent.
 * A failure's reason carries the start of the body, which is usually where the receiver says why.
 * The body is consumed either way.
 */
export async function outcomeOfResponse(response: Response, receiver: string): Promise<DeliveryOutcome> {
  const outcome = outcomeForHttpStatus(response.status, response.headers.get('retry-after'), receiver);
  const start = await readBody(response, outcome.status === 'delivered' ? 0 : EXCERPT_BYTES);
  if (outcome.status === 'delivered') return outcome;
  const excerpt = excerptOf(start);
  return excerpt ? { ...outcome, reason: `${outcome.reason}: ${excerpt}` } : outcome;
}

/** Reads a body to its end (up to {@link DRAIN_BYTES}), keeping its first `keep` bytes. */
async function readBody(response: Response, keep: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let read = 0;
  try {
    while (read <= DRAIN_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      read += value.length;
      if (kept < keep) {
        chunks.push(value);
        kept += value.length;
      }
    }
  } catch {
    // The body broke off (or the attempt was aborted): the status alone still explains the outcome.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, keep);
}

/** The first characters of a body, whitespace collapsed. */
function excerptOf(start: Buffer): string {
  const text = start.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
