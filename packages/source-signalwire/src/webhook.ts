import type { CallEventDraft } from '@callrelay/core';
import { mapDialAction } from './dial-action.js';
import { mapEnqueueAction } from './enqueue-action.js';
import { mapSignalWireParams } from './mapping.js';
import { mapRecordingCallback } from './recording.js';
import { isSwmlEvent, mapSwmlEvent } from './swml.js';
import { has } from './values.js';

/**
 * Maps any SignalWire call webhook that users point at the route, recognised by the fields only
 * that family sends (every one of which is the platform's, not a guess):
 * - SWML / Call Fabric events (`event_type: calling.*`, JSON `params`);
 * - the `<Dial>` action callback (`DialCallStatus`);
 * - the `<Enqueue>` action callback (`QueueResult`);
 * - the recording status callback (`RecordingStatus`);
 * - otherwise the voice status callback (`CallStatus`), as before.
 */
export function mapSignalWireWebhook(params: Record<string, unknown>): CallEventDraft[] {
  if (isSwmlEvent(params)) return mapSwmlEvent(params);
  if (has(params, 'DialCallStatus')) return mapDialAction(params);
  if (has(params, 'QueueResult')) return mapEnqueueAction(params);
  if (has(params, 'RecordingStatus')) return mapRecordingCallback(params);
  return [mapSignalWireParams(params)];
}
