import { outcomeForHttpStatus, type DeliveryOutcome } from '@callrelay/core';

const EXCERPT_CHARS = 200;
const EXCERPT_BYTES = 4096;

/**
 * The outcome of a receiver's answer: 2xx delivered; 408, 425, 429 and 5xx retried (honouring
 * `Retry-After`; 429 does not spend an attempt); anything else, redirects included, permanent.
 * A failure's reason carries the start of the body, which is usually where the receiver says why.
 */
export async function outcomeOfResponse(response: Response, receiver: string): Promise<DeliveryOutcome> {
  const outcome = outcomeForHttpStatus(response.status, response.headers.get('retry-after'), receiver);
  if (outcome.status === 'delivered') {
    await response.body?.cancel().catch(() => undefined);
    return outcome;
  }
  const excerpt = await bodyExcerpt(response);
  return excerpt ? { ...outcome, reason: `${outcome.reason}: ${excerpt}` } : outcome;
}

/** The first characters of a body, whitespace collapsed, reading at most a few KB of it. */
async function bodyExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // The body broke off (or the attempt was aborted): the status alone still explains the failure.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}

