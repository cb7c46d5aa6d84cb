import { errorMessage } from '../errors.js';
import type { DeliveryOutcome } from '../plugin/sink.js';

/** Turns whatever `Sink.deliver` did (returned, returned nothing, threw) into one outcome. */
export async function settleDelivery(attempt: () => Promise<DeliveryOutcome | void>): Promise<DeliveryOutcome> {
  try {
    return (await attempt()) ?? { status: 'delivered' };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'DELIVERY_PERMANENT') return { status: 'failed', reason: errorMessage(err) };
    const details = (err as { details?: { retryAfterMs?: number; countsAsAttempt?: boolean } }).details;
    return {
      status: 'retry',
      reason: errorMessage(err),
      ...(details?.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
      ...(details?.countsAsAttempt !== undefined ? { countsAsAttempt: details.countsAsAttempt } : {}),
    };
  }
}
