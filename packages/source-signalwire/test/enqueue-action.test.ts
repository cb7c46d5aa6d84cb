import { describe, it } from 'mocha';
import { expect } from 'chai';
import { makeWebhook } from '@callrelay/testkit';
import { mapEnqueueAction, QUEUE_RESULT } from '@callrelay/source-signalwire';
import { eventsOf, trackerOutcomes } from './signer.js';

const NONE = { auth: 'none' };
const form = (params: Record<string, string>) => makeWebhook({ body: new URLSearchParams(params).toString(), contentType: 'application/x-www-form-urlencoded' });
const action = (extra: Record<string, string>) => ({
  AccountSid: 'AC1', ApiVersion: '2010-04-01', CallSid: 'CA-q', CallStatus: 'completed', Direction: 'inbound',
  From: '+12125550147', To: '+14155550123', QueueResult: 'hangup', QueueSid: 'QU1', QueueTime: '95', ...extra,
});

describe('signalwire <Enqueue> action callback', () => {
  it('maps every documented QueueResult: bridged results answered, the others the caller leaving unanswered', () => {
    const expected: Record<string, string> = {
      bridged: 'answered', 'bridging-in-progress': 'answered', 'redirected-from-bridged': 'answered',
      hangup: 'canceled', leave: 'no-answer', redirected: 'no-answer', 'queue-full': 'busy', error: 'failed', 'system-error': 'failed',
    };
    for (const [result, outcome] of Object.entries(expected)) {
      const [queue] = mapEnqueueAction(action({ QueueResult: result, CallStatus: 'in-progress' }));
      expect([queue!.type, queue!.outcome, queue!.endsCall, queue!.legId], result).to.deep.equal(['ended', outcome, false, 'CA-q/queue/QU1']);
      expect(QUEUE_RESULT[result], result).to.not.equal(undefined);
    }
  });

  it('bug: a caller hanging up in the queue (QueueResult=hangup) was a completed call; it is missed', async () => {
    const events = await eventsOf(NONE, form(action({})));
    expect(events.map((e) => [e.type, e.outcome, e.endsCall])).to.deep.equal([['ended', 'canceled', false], ['ended', 'answered', undefined]]);
    expect(events[0]).to.include({ ringSeconds: 95, talkSeconds: 0 });
    expect(events[1]!.flags).to.deep.equal(['answered-by-app']);
    expect(await trackerOutcomes(events)).to.deep.equal({ missed: 1, completed: 0 });
  });

  it('bridged is a person answering: the call completes', async () => {
    const events = await eventsOf(NONE, form(action({ QueueResult: 'bridged' })));
    expect(events[0]!.flags).to.equal(undefined);
    expect(await trackerOutcomes(events)).to.deep.equal({ missed: 0, completed: 1 });
  });

  it('leave, queue-full and errors while nobody answered make the call missed when it ends', async () => {
    for (const result of ['leave', 'queue-full', 'error', 'system-error']) {
      const events = await eventsOf(NONE, form(action({ QueueResult: result, CallSid: `CA-${result}` })));
      expect(await trackerOutcomes(events), result).to.deep.equal({ missed: 1, completed: 0 });
    }
  });

  it('keeps an undocumented QueueResult as an unclassified event', () => {
    const [queue] = mapEnqueueAction(action({ QueueResult: 'evaporated', CallStatus: 'in-progress' }));
    expect(queue).to.include({ type: 'unknown', status: 'evaporated' });
    expect(queue!.flags).to.deep.equal(['unclassified']);
  });
});
