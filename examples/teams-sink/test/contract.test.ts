import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { runSinkContract, sampleEvent, testContext } from '@callrelay/testkit';
import teams from '../src/index.js';
import { TeamsEmulator, invalidMessage } from './teams-emulator.js';

const workflows = new TeamsEmulator('workflows');
runSinkContract('callrelay-sink-teams (Teams Workflows webhook)', {
  create: async () => teams.create(teams.config.parse({ webhookUrl: await workflows.start() }), testContext({ id: 'teams' })),
  setBehaviour: (b) => workflows.behave(b),
  received: () => workflows.posted.length,
  cleanup: () => workflows.stop(),
});

const legacy = new TeamsEmulator('legacy');
runSinkContract('callrelay-sink-teams (legacy Office 365 incoming webhook)', {
  create: async () => teams.create(teams.config.parse({ webhookUrl: await legacy.start() }), testContext({ id: 'teams-legacy' })),
  setBehaviour: (b) => legacy.behave(b),
  received: () => legacy.posted.length,
  unsupported: { retryAfter: 'a legacy incoming webhook reports throttling as HTTP 200 with error 429 in its text, without Retry-After' },
  cleanup: () => legacy.stop(),
});

describe('callrelay-sink-teams against the Teams emulator', () => {
  const emulator = new TeamsEmulator('workflows');
  after(() => emulator.stop());

  it('posts a message whose one attachment is an Adaptive Card Teams accepts (202)', async () => {
    const sink = teams.create(teams.config.parse({ webhookUrl: await emulator.start() }), testContext({ id: 'teams' }));
    const outcome = await sink.deliver(sampleEvent(), { deliveryId: 'd1', attempt: 1, pipeline: 'p', signal: new AbortController().signal });
    expect(outcome).to.deep.equal({ status: 'delivered', detail: 'HTTP 202' });
    const request = emulator.requests.at(-1)!;
    expect(request.status).to.equal(202);
    expect(request.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(invalidMessage(request.body)).to.equal(undefined);
    expect(emulator.posted.at(-1)!.card.version).to.equal('1.4');
  });

  it('a 429 is a retry that does not count as an attempt, and the reason names neither URL nor signature', async () => {
    const sink = teams.create(teams.config.parse({ webhookUrl: await emulator.start() }), testContext({ id: 'teams' }));
    emulator.behave({ retryAfterSec: 30 });
    const outcome = await sink.deliver(sampleEvent(), { deliveryId: 'd2', attempt: 1, pipeline: 'p', signal: new AbortController().signal });
    emulator.behave('ok');
    expect(outcome).to.include({ status: 'retry', retryAfterMs: 30_000, countsAsAttempt: false });
    expect(outcome.status === 'retry' && outcome.reason).to.equal('posting to Teams answered 429 (rate limited): WorkflowTriggerIsThrottled: The workflow trigger is throttled; retry later.');
    expect(JSON.stringify(outcome)).not.to.include('s3cr3t');
  });

  it('a deleted flow (404) is a permanent failure naming the error', async () => {
    const sink = teams.create(teams.config.parse({ webhookUrl: await emulator.start() }), testContext({ id: 'teams' }));
    emulator.behave('permanent');
    const outcome = await sink.deliver(sampleEvent(), { deliveryId: 'd3', attempt: 1, pipeline: 'p', signal: new AbortController().signal });
    emulator.behave('ok');
    expect(outcome.status).to.equal('failed');
    expect(outcome.status === 'failed' && outcome.reason).to.match(/^posting to Teams answered 404: WorkflowNotFound/);
  });

  it('events not listed in `events` are acknowledged without posting', async () => {
    const sink = teams.create(teams.config.parse({ webhookUrl: await emulator.start() }), testContext({ id: 'teams' }));
    const before = emulator.requests.length;
    const outcome = await sink.deliver(sampleEvent({ type: 'completed' }), { deliveryId: 'd4', attempt: 1, pipeline: 'p', signal: new AbortController().signal });
    expect(outcome).to.deep.equal({ status: 'delivered', detail: 'not posted: completed is not in events' });
    expect(emulator.requests.length).to.equal(before);
  });

  it('the emulator refuses what Teams refuses: not JSON, no attachments, a card newer than 1.4', () => {
    expect(invalidMessage('{')).to.match(/not valid JSON/);
    expect(invalidMessage(JSON.stringify({ type: 'message', attachments: [] }))).to.match(/non-empty array/);
    expect(invalidMessage(JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [] } }] }))).to.match(/at most 1\.4/);
  });
});
