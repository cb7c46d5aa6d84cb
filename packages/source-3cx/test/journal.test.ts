import { describe, it } from 'mocha';
import { expect } from 'chai';
import type { CallEvent, KeyValueStore } from '@callrelay/core';
import { MemoryKeyValueStore, testContext, type FixtureRequest } from '@callrelay/testkit';
import threeCx, { isJournalEntry, mapJournalEntry } from '@callrelay/source-3cx';
import { counts, createSource, eventsOf, fixture, fixtureEvents, fold, shuffled } from './helpers.js';

const json = (body: Record<string, unknown>) => ({ body: JSON.stringify(body), contentType: 'application/json' });
const entryOf = (name: string) => JSON.parse(fixture(name).requests.at(-1)!.body!) as Record<string, string>;
const SEEDS = [1, 7, 42, 99];

/** Events of requests posted in order to one source (one node). */
async function through(source: Awaited<ReturnType<typeof createSource>>, requests: readonly (FixtureRequest | ReturnType<typeof json>)[]): Promise<CallEvent[]> {
  const out: CallEvent[] = [];
  for (const request of requests) out.push(...await eventsOf(request, undefined, 'TR', source));
  return out;
}

describe('3cx CRM journal (call journaling of 3CX\'s server-side CRM template)', () => {
  it('tells a journal entry (CallType, no Event) from a WebhooksApi event', () => {
    expect(isJournalEntry({ CallType: 'Missed', Number: '05301112301' })).to.equal(true);
    expect(isJournalEntry({ calltype: 'Inbound' }), 'any key casing').to.equal(true);
    expect(isJournalEntry({ Event: 'incoming', CallType: 'Missed', Id: '250310091204_21-0' }), 'an add-on event').to.equal(false);
    expect(isJournalEntry({ CallType: '', Number: '1' }), 'an empty CallType').to.equal(false);
  });

  it('maps a Missed entry to the offer and the unanswered end, at the 3CX server\'s times', async () => {
    const [ring, end] = (await fixtureEvents(fixture('truth-table/3cx-crm-journal/caller-hangs-up-ringing'))).flat();
    expect(ring).to.include({ type: 'ringing', direction: 'inbound', status: 'missed', occurredAt: '2025-03-11T06:12:04.000Z', startedAt: '2025-03-11T06:12:04.000Z', clock: 'platform' });
    expect(ring!.agent).to.deep.equal({ raw: '202', extension: '202', kind: 'ext', name: 'Ayşe Demir' });
    expect(ring!.from).to.deep.equal({ raw: '05301112301', e164: '+905301112301' });
    expect(end).to.include({ type: 'ended', outcome: 'no-answer', talkSeconds: 0, occurredAt: '2025-03-11T06:12:22.000Z', endedAt: '2025-03-11T06:12:22.000Z' });
    expect(end!.endsCall).to.equal(undefined);
    expect(end!.answeredAt, 'year 1: an unset .NET DateTime is no time').to.equal(undefined);
    expect(end!.details).to.deep.include({ variant: 'crm-journal', callType: 'Missed', agentEmail: 'ayse.demir@example.com.tr', pbxClock: ['occurredAt', 'endedAt', 'startedAt'] });
    expect(ring!.callId).to.equal(end!.callId).and.match(/^3cx-journal-250311091204-[0-9a-f]{8}$/);
    expect(ring!.legId).to.equal(undefined);
  });

  it('maps an Inbound entry to a completed call: answer at CallEstablishedTimeUTC, talk time from the TimeSpan Duration', async () => {
    const events = (await fixtureEvents(fixture('truth-table/3cx-crm-journal/answered-directly'))).flat();
    expect(events.map((e) => e.type)).to.deep.equal(['ringing', 'answered', 'ended']);
    const [, answer, end] = events;
    expect(answer).to.include({ occurredAt: '2025-03-11T08:33:27.000Z', answeredAt: '2025-03-11T08:33:27.000Z' });
    expect(answer!.agent!.extension).to.equal('117');
    expect(end).to.include({ outcome: 'answered', talkSeconds: 42, answeredAt: '2025-03-11T08:33:27.000Z', endedAt: '2025-03-11T08:34:09.000Z' });
    expect(end!.from).to.deep.include({ name: 'Kemal Yıldız', e164: '+905301112307' });
    const { outcomes } = fold(events, true);
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.include({ type: 'completed', talkSeconds: 42, ringSeconds: 9 });
    expect(outcomes[0]!.call).to.deep.include({ answeredBy: '117', rang: ['117'] });
  });

  it('offers a queue call to the queue, then the agent', async () => {
    const events = (await fixtureEvents(fixture('truth-table/3cx-crm-journal/answered-after-transfer'))).flat();
    expect(events.filter((e) => e.type === 'ringing').map((e) => e.agent)).to.deep.equal([
      { raw: '820', extension: '820', kind: 'queue' },
      { raw: '204', extension: '204', kind: 'ext', name: 'Mehmet Kaya' },
    ]);
    const [abandon] = (await fixtureEvents(fixture('truth-table/3cx-crm-journal/queue-abandon'))).flat();
    expect(abandon!.agent, 'no agent: only the queue was offered').to.deep.equal({ raw: '820', extension: '820', kind: 'queue' });
  });

  it('maps an outbound entry with the agent as the caller and the number as the callee; Notanswered is never missed', async () => {
    const events = (await fixtureEvents(fixture('truth-table/3cx-crm-journal/outbound-unanswered'))).flat();
    expect(events.map((e) => [e.type, e.direction])).to.deep.equal([['started', 'outbound'], ['ended', 'outbound']]);
    expect(events[0]!.from).to.deep.include({ raw: '117', extension: '117' });
    expect(events[0]!.to).to.deep.equal({ raw: '05301112310', e164: '+905301112310' });
    expect(counts(fold(events, true))).to.deep.equal({ missed: 0, completed: 0 });
    const answered = await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/outbound-unanswered'), CallType: 'Outbound', Duration: '00:02:05', CallEstablishedTimeUTC: '2025-03-11T09:15:21Z' }));
    expect(answered.map((e) => e.type)).to.deep.equal(['started', 'answered', 'ended']);
    expect(answered[2]).to.include({ outcome: 'answered', talkSeconds: 125 });
    expect(counts(fold(answered, true))).to.deep.equal({ missed: 0, completed: 1 });
  });

  it('takes Notanswered with CallDirection Inbound for a missed call: the reading that alerts', async () => {
    const events = await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/agent-busy'), CallType: 'Notanswered', CallDirection: 'Inbound' }));
    expect(events.every((e) => e.direction === 'inbound')).to.equal(true);
    expect(counts(fold(events, true))).to.deep.equal({ missed: 1, completed: 0 });
  });

  it('never calls a journal call internal from a short number (MaxLength can cut it to a few digits)', async () => {
    const events = await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/agent-busy'), Number: '112203' }));
    expect(events.every((e) => e.direction === 'inbound')).to.equal(true);
    expect(counts(fold(events, true))).to.deep.equal({ missed: 1, completed: 0 });
  });

  it('ignores variables 3CX left unfilled ([Agent]) and a time of year 1', async () => {
    const entry = { ...entryOf('truth-table/3cx-crm-journal/caller-hangs-up-ringing'), Agent: '[Agent]', AgentFirstName: '[AgentFirstName]', QueueExtension: '[QueueExtension]', CallEndTimeUTC: '0001-01-01T00:00:00Z' };
    const [started, end] = await eventsOf(json(entry));
    expect(started).to.include({ type: 'started' });
    expect(started!.agent).to.equal(undefined);
    expect(end).to.include({ type: 'ended', outcome: 'no-answer', clock: 'received' });
    expect(end!.endedAt).to.equal(undefined);
    expect(end!.details!.pbxClock, 'only the start is from the 3CX clock').to.deep.equal(['startedAt']);
  });

  it('keeps an entry of an unknown CallType as unclassified: stored, never an outcome', async () => {
    const events = await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/caller-hangs-up-ringing'), CallType: 'Voicemail' }));
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ type: 'unknown', status: 'voicemail' });
    expect(events[0]!.flags).to.deep.equal(['unclassified']);
    expect(counts(fold(events, true))).to.deep.equal({ missed: 0, completed: 0 });
  });

  it('gives a retried entry the same event ids, also without any time (ids from the body)', async () => {
    const request = fixture('truth-table/3cx-crm-journal/nobody-answers').requests[0]!;
    expect((await eventsOf(request)).map((e) => e.id)).to.deep.equal((await eventsOf(request)).map((e) => e.id));
    const timeless = json({ CallType: 'Missed', Number: '05301112399', Agent: '202' });
    const [a, b] = [await eventsOf(timeless), await eventsOf(timeless)];
    expect(a.map((e) => e.id)).to.deep.equal(b.map((e) => e.id));
    expect(a[0]!.callId).to.match(/^3cx-journal-[0-9a-f]{16}$/);
    expect(a.every((e) => e.clock === 'received')).to.equal(true);
  });

  it('reads a recording URL (3CX V20 [RecordingUrl]) as the call\'s recording: a missed call with one is a voicemail', async () => {
    const events = await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/caller-hangs-up-ringing'), RecordingUrl: 'https://pbx.example.com.tr/recordings/202/20250311091204.wav' }));
    expect(events.map((e) => e.type)).to.deep.equal(['ringing', 'ended', 'recording']);
    expect(events[2]!.recordingUrl).to.equal('https://pbx.example.com.tr/recordings/202/20250311091204.wav');
    expect((await eventsOf(json({ ...entryOf('truth-table/3cx-crm-journal/caller-hangs-up-ringing'), RecordingUrl: '[RecordingUrl]' }))).map((e) => e.type)).to.deep.equal(['ringing', 'ended']);
  });

  it('folds two journal entries of one call (117 missed it, 204 answered) into one completed call, in any order', async () => {
    const missedBy117 = { ...entryOf('truth-table/3cx-crm-journal/answered-after-transfer'), CallType: 'Missed', Agent: '117', AgentFirstName: 'Zeynep', AgentLastName: 'Arslan', Duration: '00:00:00' };
    const answeredBy204 = entryOf('truth-table/3cx-crm-journal/answered-after-transfer');
    const events = await through(await createSource(), [json(missedBy117), json(answeredBy204)]);
    expect(new Set(events.map((e) => e.callId)).size).to.equal(1);
    expect(new Set(events.map((e) => e.id)).size, 'no event of one entry is taken for the other\'s').to.equal(events.length);
    for (const seed of SEEDS) {
      const { outcomes } = fold(shuffled([...events, ...events], seed), true);
      expect(outcomes.map((o) => o.type), `seed ${seed}`).to.deep.equal(['completed']);
      expect(outcomes[0]!.call!.answeredBy).to.equal('204');
    }
  });

  describe('with the WebhooksApi add-on on the same PBX', () => {
    const combined = () => fixture('addon-and-journal-queue-missed');

    it('folds the journal entry into the add-on\'s call: one missed call, not two, in any order', async () => {
      const events = (await fixtureEvents(combined())).flat();
      expect(new Set(events.map((e) => e.callId))).to.deep.equal(new Set(['250313160722_33']));
      const journal = events.filter((e) => e.details?.variant === 'crm-journal');
      expect(journal.map((e) => e.type)).to.deep.equal(['ringing', 'ended']);
      expect(journal[0]!.details!.journalCallId, 'its own id stays in the details').to.match(/^3cx-journal-250313160722-/);
      for (const seed of SEEDS) {
        const { outcomes } = fold(shuffled([...events, ...events], seed), true);
        expect(outcomes.map((o) => o.type), `seed ${seed}`).to.deep.equal(['missed']);
        expect(outcomes[0]!.call!.rang).to.have.members(['800', '820', '202']);
      }
    });

    it('is one call also when the journal arrives before the add-on (the add-on was late)', async () => {
      const requests = combined().requests;
      const events = await through(await createSource(), [requests.at(-1)!, ...requests.slice(0, -1)]);
      expect(new Set(events.map((e) => e.callId)).size).to.equal(1);
      expect(events[0]!.callId).to.match(/^3cx-journal-/);
      expect(events.find((e) => e.legId)!.legId, 'the add-on\'s legs are kept').to.equal('250313160722_33-0');
      expect(counts(fold(events, true))).to.deep.equal({ missed: 1, completed: 0 });
    });

    it('is one completed call when the add-on and the journal both report an answered call', async () => {
      const addon = fixture('truth-table/3cx-addon/answered-directly').requests;
      const entry = { ...entryOf('truth-table/3cx-crm-journal/answered-directly'), Number: '05301112207', CallStartTimeLocal: '2025-03-10T11:33:18', CallStartTimeUTC: '2025-03-10T08:33:18Z', CallEstablishedTimeUTC: '2025-03-10T08:33:27Z', CallEndTimeUTC: '2025-03-10T08:34:09Z' };
      const events = await through(await createSource(), [...addon, json(entry)]);
      expect(new Set(events.map((e) => e.callId))).to.deep.equal(new Set(['250310113318_27']));
      for (const seed of SEEDS) expect(counts(fold(shuffled(events, seed), true)), `seed ${seed}`).to.deep.equal({ missed: 0, completed: 1 });
    });

    it('finds the add-on\'s call when the two start times differ by one second, and the number is written +90...', async () => {
      const entry = { ...entryOf('addon-and-journal-queue-missed'), Number: '+905301112299', CallStartTimeLocal: '2025-03-13T16:07:23' };
      const events = await through(await createSource(), [...combined().requests.slice(0, -1), json(entry)]);
      expect(new Set(events.map((e) => e.callId))).to.deep.equal(new Set(['250313160722_33']));
    });

    it('counts a call twice when the journal\'s start is two seconds off: the documented limit, a duplicate alert, never a lost one', async () => {
      const entry = { ...entryOf('addon-and-journal-queue-missed'), CallStartTimeLocal: '2025-03-13T16:07:24' };
      const events = await through(await createSource(), [...combined().requests.slice(0, -1), json(entry)]);
      expect(counts(fold(events, true))).to.deep.equal({ missed: 2, completed: 0 });
    });

    it('never folds another caller\'s call, nor another call of the same caller a few seconds later', async () => {
      const other = { ...entryOf('addon-and-journal-queue-missed'), Number: '05301112298' };
      const redial = { ...entryOf('addon-and-journal-queue-missed'), CallStartTimeLocal: '2025-03-13T16:08:40', CallStartTimeUTC: '2025-03-13T13:08:40Z', CallEndTimeUTC: '2025-03-13T13:09:02Z' };
      const events = await through(await createSource(), [...combined().requests.slice(0, -1), json(other), json(redial)]);
      expect(new Set(events.map((e) => e.callId)).size).to.equal(3);
      expect(counts(fold(events, true))).to.deep.equal({ missed: 3, completed: 0 });
    });

    it('agrees across nodes: the add-on on one node, the journal on another, one shared state', async () => {
      const state = new MemoryKeyValueStore();
      const node = () => threeCx.create(threeCx.config.parse({ auth: 'none' }), testContext({ state }));
      const requests = combined().requests;
      const events = [...await through(await node(), requests.slice(0, -1)), ...await through(await node(), requests.slice(-1))];
      expect(new Set(events.map((e) => e.callId))).to.deep.equal(new Set(['250313160722_33']));
    });

    it('still maps the journal (under its own call id) when the shared state fails, and says so', async () => {
      const warnings: string[] = [];
      const broken: KeyValueStore = {
        get: async () => { throw new Error('store unavailable'); },
        put: async () => { throw new Error('store unavailable'); },
        delete: async () => undefined,
      };
      const logger = { warn: (_: unknown, message: string) => warnings.push(message) } as never;
      const source = await threeCx.create(threeCx.config.parse({ auth: 'none' }), testContext({ state: broken, logger }));
      const events = await through(source, combined().requests);
      expect(events.filter((e) => e.details?.variant === 'crm-journal').every((e) => e.callId.startsWith('3cx-journal-'))).to.equal(true);
      expect(warnings.some((w) => /counted twice/.test(w))).to.equal(true);
    });
  });

  it('exposes the mapping without a source, for tools and tests', () => {
    const { drafts, ownCallId, match } = mapJournalEntry(entryOf('truth-table/3cx-crm-journal/queue-abandon'));
    expect(drafts.map((d) => d.type)).to.deep.equal(['ringing', 'ended']);
    expect(drafts.every((d) => d.callId === ownCallId)).to.equal(true);
    expect(match).to.deep.equal({ localStart: '250311110233', number: '301112305' });
  });
});
