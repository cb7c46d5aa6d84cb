import { badRequest, type CallEventDraft } from '@callrelay/core';
import { collectDetails } from './mapping.js';
import { int, pick, text } from './values.js';

/**
 * Maps a recording status callback (`RecordingStatusCallback`: `RecordingStatus` with
 * `RecordingSid`, `RecordingUrl`, `RecordingDuration`, `RecordingChannels`, `RecordingSource`;
 * https://developer.signalwire.com/compatibility-api/rest/recordings/webhooks/recording-status-callback).
 *
 * Only `completed` means the file is there: it yields a `recording` event with the URL. The
 * others (`in-progress`: recording started; `absent`: nothing recorded; `failed`) yield no event:
 * they carry no recording a reader could fetch, and a recording event per status would count a
 * voicemail that was never left. The status is part of the event id, so a `completed` after an
 * `in-progress` of the same recording is never taken for a duplicate.
 */
export function mapRecordingCallback(params: Record<string, unknown>): CallEventDraft[] {
  const callSid = text(pick(params, 'CallSid'));
  if (!callSid) throw badRequest('missing CallSid: not a SignalWire recording status callback');
  const status = text(pick(params, 'RecordingStatus'))?.toLowerCase();
  const recordingUrl = text(pick(params, 'RecordingUrl'));
  if (status !== 'completed' || !recordingUrl) return [];
  const draft: CallEventDraft = {
    callId: callSid,
    legId: callSid,
    type: 'recording',
    status: 'recording-completed',
    recordingUrl,
    raw: params,
    dedupeKey: `${callSid}|recording|${text(pick(params, 'RecordingSid')) ?? recordingUrl}|${status}`,
  };
  const details = { ...collectDetails(params) };
  const channels = int(pick(params, 'RecordingChannels'));
  const source = text(pick(params, 'RecordingSource'));
  if (channels !== undefined) details.RecordingChannels = channels;
  if (source) details.RecordingSource = source;
  if (Object.keys(details).length) draft.details = details;
  return [draft];
}
