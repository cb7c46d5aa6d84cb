import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { ingestWebhook, RuntimeMetrics } from '@callrelay/core/host';
import { makeWebhook, MemoryStore } from '@callrelay/testkit';
import { mapRecordingCallback } from '@callrelay/source-signalwire';
import { sourceFor } from './signer.js';

const callback = (status: string) => ({
  AccountSid: 'AC1', CallSid: 'CA-vm', RecordingSid: 'RE-vm', RecordingStatus: status, RecordingDuration: status === 'completed' ? '21' : '0',
  RecordingChannels: '1', RecordingSource: 'RecordVerb',
  RecordingUrl: 'https://example.signalwire.com/api/laml/2010-04-01/Accounts/AC1/Recordings/RE-vm',
});

describe('signalwire recording status callback', () => {
  it('completed yields a recording with its URL; in-progress, absent and failed yield no event', () => {
    const [recording] = mapRecordingCallback(callback('completed'));
    expect(recording).to.include({ type: 'recording', callId: 'CA-vm', recordingUrl: callback('completed').RecordingUrl });
    expect(recording!.details).to.include({ RecordingSid: 'RE-vm', RecordingDuration: 21, RecordingChannels: 1, RecordingSource: 'RecordVerb' });
    for (const status of ['in-progress', 'absent', 'failed']) expect(mapRecordingCallback(callback(status)), status).to.deep.equal([]);
  });

  it('bug: the completed callback after an in-progress one of the same recording was dropped as a duplicate', async () => {
    const store = new MemoryStore();
    const source = await sourceFor({ auth: 'none' });
    const mounted = { id: 'sw', route: '/hooks/sw', platform: 'signalwire', source };
    const deps = { store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger: pino({ level: 'silent' }) };
    for (const status of ['in-progress', 'completed']) {
      const answer = await ingestWebhook(mounted, makeWebhook({ body: new URLSearchParams(callback(status)).toString(), contentType: 'application/x-www-form-urlencoded' }), deps);
      expect(answer.status, status).to.equal(200);
    }
    const stored = [...store.events.values()];
    expect(stored.map((e) => e.type)).to.deep.equal(['recording']);
    expect(stored[0]!.recordingUrl).to.match(/Recordings\/RE-vm$/);
    expect((stored[0]!.raw as Record<string, string>).RecordingStatus, 'the stored recording is the completed one').to.equal('completed');
  });
});
