import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type CallEvent } from '@callrelay/core';
import { CallTracker } from '@callrelay/core/host';
import { MemoryStore, trackCalls } from '@callrelay/testkit';

let n = 0;
const ev = (overrides: Partial<CallEvent>): CallEvent => {
  n += 1;
  const at = new Date(Date.parse('2026-11-24T10:00:00Z') + n * 1000).toISOString();
  return { id: `e${n}`, source: 'pbx', platform: 'test', callId: 'c1', type: 'ringing', direction: 'inbound', occurredAt: at, receivedAt: at, raw: {}, ...overrides };
};

function tracker(settleMs: number, now = () => Date.now()) {
  const store = new MemoryStore();
  const t = new CallTracker(store, { callTimeoutMs: 60_000, settleMs, now, logger: pino({ level: 'silent' }) });
  /** Fires every due timer and returns the outcomes they emit. */
  const fireTimers = async () => {
    const out: CallEvent[] = [];
    for (const lease of await store.timers.claim(100, { leaseMs: 1000, waitMs: 0 })) {
      out.push(...(await t.onTimer(lease.payload)));
      await store.timers.ack(lease);
    }
    return out;
  };
  return { t, store, fireTimers };
}

const ringGroupMissed = () => [
  ev({ type: 'started', legId: 'c1-0', from: { raw: '+12125551212' } }),
  ev({ type: 'ringing', legId: 'c1-1', agent: { raw: '101', extension: '101' } }),
  ev({ type: 'ringing', legId: 'c1-2', agent: { raw: '102', extension: '102' } }),
  ev({ type: 'ended', legId: 'c1-1', outcome: 'no-answer', endsCall: false }),
  ev({ type: 'ended', legId: 'c1-2', outcome: 'no-answer', endsCall: false }),
  ev({ type: 'ended', legId: 'c1-0', outcome: 'no-answer' }),
];

describe('call tracker', () => {
  it('emits exactly one missed event for a ring group that nobody answered, with who rang', async () => {
    const { t } = tracker(0);
    const out: CallEvent[] = [];
    for (const e of ringGroupMissed()) out.push(...(await t.observe(e)));
    expect(out.map((e) => e.type)).to.deep.equal(['missed']);
    expect(out[0]!.call).to.deep.include({ rang: ['101', '102'], transfers: 0 });
    expect(out[0]!.from?.raw).to.equal('+12125551212');
  });

  it('is idempotent: the same events again (a redelivery) emit nothing new, and the log holds one outcome', async () => {
    const { t, store } = tracker(0);
    const events = ringGroupMissed();
    const first: CallEvent[] = [];
    for (const e of events) first.push(...(await t.observe(e)));
    const again: CallEvent[] = [];
    for (const e of events) again.push(...(await t.observe(e)));
    expect(first.map((e) => e.type)).to.deep.equal(['missed']);
    expect(again).to.deep.equal([]);
    expect([...store.events.values()].filter((e) => e.type === 'missed').map((e) => e.id)).to.deep.equal(first.map((e) => e.id));
  });

  it('waits for the settle window, so an answer that arrives after the hang-up still counts', async () => {
    const { t, fireTimers } = tracker(50);
    const answered = ev({ type: 'answered', legId: 'c1-1', agent: { raw: '101', extension: '101' } });
    const hangup = ev({ type: 'ended', legId: 'c1-0', outcome: 'answered', talkSeconds: 42 });
    expect(await t.observe(ev({ type: 'started', legId: 'c1-0' }))).to.deep.equal([]);
    expect(await t.observe(hangup), 'nothing decided at the end itself').to.deep.equal([]);
    expect(await t.observe(answered)).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 80));
    const out = await fireTimers();
    expect(out.map((e) => e.type)).to.deep.equal(['completed']);
    expect(out[0]!.talkSeconds).to.equal(42);
    expect(out[0]!.call?.answeredBy).to.equal('101');
  });

  it('reports the transfer target as who answered, whatever order answer and transfer arrive in', async () => {
    for (const order of [[0, 1, 2], [1, 0, 2], [2, 1, 0]]) {
      const { t, fireTimers } = tracker(20);
      const callId = `t${order.join('')}`;
      const events = [
        ev({ callId, type: 'answered', agent: { raw: '117', extension: '117' } }),
        ev({ callId, type: 'transferred', transfer: 'attended', agent: { raw: '204', extension: '204' } }),
        ev({ callId, type: 'ended', outcome: 'answered' }),
      ];
      for (const i of order) await t.observe(events[i]!);
      await new Promise((r) => setTimeout(r, 40));
      const [completed] = await fireTimers();
      expect(completed?.call?.answeredBy, `order ${order.join(',')}`).to.equal('204');
      expect(completed?.call?.transfers).to.equal(1);
    }
  });

  it('tells an answer by the application from a person answering', async () => {
    const run = async (callId: string, extra: Partial<CallEvent>[]) => {
      const { t } = tracker(0);
      const out: CallEvent[] = [];
      const events = [
        ev({ callId, type: 'started' }),
        ev({ callId, type: 'answered', flags: ['answered-by-app'] }),
        ...extra.map((e) => ev({ callId, ...e })),
        ev({ callId, type: 'ended', outcome: 'answered', flags: ['answered-by-app'] }),
      ];
      for (const e of events) out.push(...(await t.observe(e)));
      return out.map((e) => e.type);
    };
    expect(await run('ivr-only', []), 'handled by the application alone').to.deep.equal(['completed']);
    expect(await run('agent-missed', [
      { type: 'ringing', legId: 'a1', agent: { raw: '101', extension: '101' } },
      { type: 'ended', legId: 'a1', outcome: 'no-answer', endsCall: false },
    ]), 'offered to an agent who did not answer').to.deep.equal(['missed']);
    expect(await run('agent-answered', [
      { type: 'answered', legId: 'a1', agent: { raw: '101', extension: '101' } },
    ])).to.deep.equal(['completed']);
  });

  it('never calls an unanswered outbound call missed', async () => {
    const { t } = tracker(0);
    const out = [
      ...(await t.observe(ev({ callId: 'o1', type: 'started', direction: 'outbound' }))),
      ...(await t.observe(ev({ callId: 'o1', type: 'ended', direction: 'outbound', outcome: 'busy' }))),
    ];
    expect(out).to.deep.equal([]);
  });

  it('closes a call whose end never arrives: answered → completed flagged timed-out; unanswered → no outcome', async () => {
    let now = Date.now();
    const { t, store } = tracker(0, () => now);
    await t.observe(ev({ callId: 'a', type: 'answered', agent: { raw: '101' }, receivedAt: new Date(now).toISOString() }));
    await t.observe(ev({ callId: 'u', type: 'ringing', receivedAt: new Date(now).toISOString() }));
    now += 61_000;
    const due = await store.timers.claim(10, { leaseMs: 1000, waitMs: 0 });
    expect(due).to.have.length(0); // timers are due by wall clock (notBefore uses the injected clock)
    const out: CallEvent[] = [];
    for (const key of ['pbx:a', 'pbx:u']) out.push(...(await t.onTimer({ kind: 'call-timeout', key })));
    expect(out.map((e) => [e.callId, e.type, e.flags])).to.deep.equal([['a', 'completed', ['timed-out']]]);
  });

  describe('offers without ringing (issue 10)', () => {
    const appAnswered = (callId: string) => [
      ev({ callId, type: 'ended', outcome: 'answered', flags: ['answered-by-app'], legId: callId }),
    ];
    for (const [name, outcome] of [['no-answer', 'no-answer'], ['busy', 'busy'], ['failed', 'failed']] as const) {
      it(`an app-answered call whose dialed agent ended ${name} with no ringing first is missed`, async () => {
        const callId = `final-only-${name}`;
        const events = [...appAnswered(callId), ev({ callId, type: 'ended', legId: `${callId}-agent`, outcome, endsCall: false, agent: { raw: '+14155550188' } })];
        const out = await trackCalls(events);
        expect(out.map((e) => e.type)).to.deep.equal(['missed']);
        expect(out[0]!.call?.rang).to.deep.equal(['+14155550188']);
      });
    }

    it('counts an agent leg that was only created (trying) as offered', async () => {
      const out = await trackCalls([
        ev({ callId: 'tr', type: 'answered', flags: ['answered-by-app'] }),
        ev({ callId: 'tr', type: 'started', legId: 'tr-a', agent: { raw: 'sip:1001@pbx' } }),
        ev({ callId: 'tr', type: 'ended', outcome: 'answered', flags: ['answered-by-app'] }),
      ]);
      expect(out.map((e) => e.type)).to.deep.equal(['missed']);
    });

    it('counts an unanswered agent leg end without an agent (a Dial action callback) as offered', async () => {
      const out = await trackCalls([
        ev({ callId: 'da', type: 'ended', outcome: 'answered', flags: ['answered-by-app'] }),
        ev({ callId: 'da', type: 'ended', legId: 'da-dial', outcome: 'busy', endsCall: false }),
      ]);
      expect(out.map((e) => e.type)).to.deep.equal(['missed']);
    });

    it('does not count an agent placing an outbound call as an offer', async () => {
      const out = await trackCalls([
        ev({ callId: 'ob', type: 'started', direction: 'outbound', agent: { raw: '101', extension: '101' } }),
        ev({ callId: 'ob', type: 'ended', direction: 'outbound', outcome: 'no-answer' }),
      ]);
      expect(out).to.deep.equal([]);
    });
  });

  describe('quiet rule: the caller leg never reports its end (issue 10)', () => {
    const agentsGaveUp = (callId: string) => [
      // Child legs only: jambonz sends no status for the caller's leg with answerOnBridge.
      ev({ callId, type: 'started', direction: 'unknown', legId: `${callId}-a`, agent: { raw: 'sip:1001@pbx' } }),
      ev({ callId, type: 'ended', direction: 'unknown', legId: `${callId}-a`, outcome: 'busy', endsCall: false, agent: { raw: 'sip:1001@pbx' } }),
      ev({ callId, type: 'ended', direction: 'unknown', legId: `${callId}-b`, outcome: 'failed', endsCall: false, agent: { raw: 'sip:1002@pbx' } }),
    ];

    it('calls it missed after the quiet period, flagged quiet-period, even with no event of the caller leg', async () => {
      const out = await trackCalls(agentsGaveUp('q1'), { quietMs: 15_000 });
      expect(out.map((e) => [e.type, e.direction, e.flags])).to.deep.equal([['missed', 'unknown', ['quiet-period']]]);
      expect(out[0]!.call?.rang).to.deep.equal(['sip:1001@pbx', 'sip:1002@pbx']);
    });

    it('does not fire before the period has passed since the last event', async () => {
      let now = Date.parse('2026-11-24T10:00:00Z');
      const store = new MemoryStore();
      const t = new CallTracker(store, { callTimeoutMs: 3600_000, settleMs: 2000, quietMs: 10_000, now: () => now, logger: pino({ level: 'silent' }) });
      const at = (ms: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + ms).toISOString();
      await t.observe(ev({ callId: 'q2', type: 'ended', legId: 'a', outcome: 'no-answer', endsCall: false, agent: { raw: '1' }, receivedAt: at(0) }));
      now += 5000;
      // The app dials a second agent 5 s later: the period restarts with it.
      await t.observe(ev({ callId: 'q2', type: 'ended', legId: 'b', outcome: 'no-answer', endsCall: false, agent: { raw: '2' }, receivedAt: at(5000) }));
      now += 6000; // 11 s after the first end, 6 s after the second
      const early = [];
      for (const payload of store.timers.takeDue(now)) early.push(...(await t.onTimer(payload)));
      expect(early, 'the first timer finds the call touched since').to.deep.equal([]);
      now += 5000;
      const late = [];
      for (const payload of store.timers.takeDue(now)) late.push(...(await t.onTimer(payload)));
      expect(late.map((e) => e.type)).to.deep.equal(['missed']);
    });

    it('does not apply while an agent leg is still open, after an answer, or when the app answered the caller', async () => {
      expect(await trackCalls([...agentsGaveUp('q3'), ev({ callId: 'q3', type: 'ringing', legId: 'q3-c', agent: { raw: '3' } })])).to.deep.equal([]);
      expect(await trackCalls([...agentsGaveUp('q4'), ev({ callId: 'q4', type: 'answered', legId: 'q4-c', agent: { raw: '3' } })])).to.deep.equal([]);
      expect(await trackCalls([ev({ callId: 'q5', type: 'answered', flags: ['answered-by-app'] }), ...agentsGaveUp('q5')]), 'its end will be reported').to.deep.equal([]);
    });

    it('the caller leg ending later adds no second outcome', async () => {
      const out = await trackCalls([...agentsGaveUp('q6')], { quietMs: 1000 });
      const store = new MemoryStore();
      const again = await trackCalls([...agentsGaveUp('q6'), ev({ callId: 'q6', type: 'ended', outcome: 'no-answer', direction: 'inbound' })], { store });
      expect(out.map((e) => e.type)).to.deep.equal(['missed']);
      expect(again.map((e) => e.type)).to.deep.equal(['missed']);
      expect([...store.events.values()].filter((e) => e.type === 'missed' || e.type === 'completed')).to.have.length(1);
    });
  });

  it('flags a missed call that left a recording as a voicemail, with its URL', async () => {
    const out = await trackCalls([
      ev({ callId: 'vm', type: 'answered', flags: ['answered-by-app'] }),
      ev({ callId: 'vm', type: 'ended', legId: 'vm-a', outcome: 'no-answer', endsCall: false, agent: { raw: '101' } }),
      ev({ callId: 'vm', type: 'recording', recordingUrl: 'https://files.example/vm.wav' }),
      ev({ callId: 'vm', type: 'ended', outcome: 'answered', flags: ['answered-by-app'] }),
    ]);
    expect(out.map((e) => [e.type, e.flags, e.recordingUrl])).to.deep.equal([['missed', ['voicemail'], 'https://files.example/vm.wav']]);
  });

  describe('durations from one clock (issue 10)', () => {
    it('uses receive times when any event lacks the platform time, so a PBX clock that is off cannot give days of ringing', async () => {
      const received = (ms: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + ms).toISOString();
      const out = await trackCalls([
        // The PBX's call id says the call started 34249 h earlier (a zone or clock that is off).
        ev({ callId: 'clk', type: 'ringing', agent: { raw: '101' }, startedAt: '2023-03-07T13:56:11Z', receivedAt: received(0), occurredAt: received(0), clock: 'received' }),
        ev({ callId: 'clk', type: 'answered', agent: { raw: '101' }, receivedAt: received(8000), occurredAt: received(8000), clock: 'received' }),
        ev({ callId: 'clk', type: 'ended', outcome: 'answered', receivedAt: received(50_000), occurredAt: received(50_000), clock: 'received' }),
      ]);
      expect(out[0]).to.deep.include({ type: 'completed', ringSeconds: 8, talkSeconds: 42, startedAt: received(0), clock: 'received' });
    });

    it('uses the platform clock when every event carries it', async () => {
      const out = await trackCalls([
        ev({ callId: 'pc', type: 'ringing', agent: { raw: '101' }, occurredAt: '2026-11-24T09:00:00.000Z', clock: 'platform' }),
        ev({ callId: 'pc', type: 'answered', agent: { raw: '101' }, occurredAt: '2026-11-24T09:00:05.000Z', clock: 'platform' }),
        ev({ callId: 'pc', type: 'ended', outcome: 'answered', occurredAt: '2026-11-24T09:01:05.000Z', clock: 'platform' }),
      ]);
      expect(out[0]).to.deep.include({ ringSeconds: 5, talkSeconds: 60, clock: 'platform' });
    });

    it('drops a negative duration or one longer than the call timeout, with a warning, instead of showing it', async () => {
      const warnings: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg); } });
      let now = Date.now();
      const store = new MemoryStore();
      const t = new CallTracker(store, { callTimeoutMs: 3600_000, settleMs: 0, now: () => now, logger });
      const out = [
        ...(await t.observe(ev({ callId: 'neg', type: 'answered', agent: { raw: '1' }, occurredAt: '2026-11-24T09:10:00.000Z', clock: 'platform' }))),
        ...(await t.observe(ev({ callId: 'neg', type: 'ended', outcome: 'answered', talkSeconds: 123_284_880, occurredAt: '2026-11-24T09:00:00.000Z', clock: 'platform' }))),
      ];
      expect(out).to.have.length(1);
      expect(out[0]!.talkSeconds).to.equal(undefined);
      expect(warnings.join('\n')).to.match(/dropped talkSeconds 123284880/);
      now += 0;
    });
  });

  describe('crash between the writes of one step (stores without atomic commits)', () => {
    /** The memory store without commitCallState: the tracker falls back to its outbox. */
    const nonAtomic = (store: MemoryStore, failAfter: { point: string }) => {
      let crashed = false;
      const wrap = {
        kv: (ns: string) => store.kv(ns),
        timers: { ...store.timers, enqueue: async (items: Parameters<MemoryStore['timers']['enqueue']>[0]) => {
          if (failAfter.point === 'before-timers' && !crashed) { crashed = true; throw new Error('killed'); }
          return store.timers.enqueue(items);
        } } as unknown as MemoryStore['timers'],
        append: async (events: CallEvent[]) => {
          if (failAfter.point === 'before-events' && !crashed) { crashed = true; throw new Error('killed'); }
          return store.append(events);
        },
      };
      return wrap;
    };

    for (const point of ['before-events', 'before-timers']) {
      it(`redoes what the state promised when the process died ${point.replace('-', ' ')}`, async () => {
        let now = Date.now();
        const store = new MemoryStore();
        const t = new CallTracker(nonAtomic(store, { point }), { callTimeoutMs: 3600_000, settleMs: 1000, now: () => now, logger: pino({ level: 'silent' }) });
        const events = ringGroupMissed().map((e) => ({ ...e, callId: `crash-${point}` }));
        for (const e of events) {
          // A "killed" write is redelivered, as the routing queue would after the lease expires.
          await t.observe(e).catch(() => t.observe(e));
        }
        now += 1500;
        const out: CallEvent[] = [];
        for (const payload of store.timers.takeDue(now)) out.push(...(await t.onTimer(payload).catch(() => t.onTimer(payload))));
        const outcomes = [...store.events.values()].filter((e) => e.type === 'missed' || e.type === 'completed');
        expect(outcomes.map((e) => e.type), 'exactly one missed in the log').to.deep.equal(['missed']);
      });
    }
  });

  it("drops a call's state an hour after its outcome, not after the 4-hour call timeout", async () => {
    const store = new MemoryStore();
    const out = await trackCalls(ringGroupMissed().map((e) => ({ ...e, callId: 'retention' })), { store, horizonMs: 3600_000 + 10_000 });
    expect(out.map((e) => e.type)).to.deep.equal(['missed']);
    expect(await store.kv('calls').get('pbx:retention'), 'state dropped').to.equal(undefined);
    const kept = new MemoryStore();
    await trackCalls(ringGroupMissed().map((e) => ({ ...e, callId: 'retention' })), { store: kept, horizonMs: 3000_000 });
    expect(await kept.kv('calls').get('pbx:retention'), 'kept for late events within the hour').to.not.equal(undefined);
  });

  it('postpones a settle decision while an event stored before the window closed is still unrouted (a node died holding it)', async () => {
    let now = Date.parse('2026-11-24T10:00:00Z');
    const at = (ms: number) => new Date(Date.parse('2026-11-24T10:00:00Z') + ms).toISOString();
    const store = new MemoryStore();
    let waiting: number | undefined = Date.parse(at(500)); // the agent leg's no-answer, leased by the dead node
    (store.routing as unknown as { oldestWaiting: () => Promise<number | undefined> }).oldestWaiting = async () => waiting;
    const t = new CallTracker(store, { callTimeoutMs: 3600_000, settleMs: 2000, now: () => now, logger: pino({ level: 'silent' }) });
    await t.observe(ev({ callId: 'pp', type: 'answered', flags: ['answered-by-app'], receivedAt: at(0), occurredAt: at(0) }));
    await t.observe(ev({ callId: 'pp', type: 'ended', outcome: 'answered', flags: ['answered-by-app'], receivedAt: at(1000), occurredAt: at(1000) }));
    now += 3500;
    const early = [];
    for (const payload of store.timers.takeDue(now)) early.push(...(await t.onTimer(payload)));
    expect(early, 'no decision (it would be completed: app only) while the agent leg waits to be routed').to.deep.equal([]);
    // The lease ran out: the agent's unanswered leg is routed, then the postponed decision is taken.
    await t.observe(ev({ callId: 'pp', type: 'ended', legId: 'agent', outcome: 'no-answer', endsCall: false, agent: { raw: '101' }, receivedAt: at(500), occurredAt: at(500) }));
    waiting = undefined;
    now += 1500;
    const late = [];
    for (const payload of store.timers.takeDue(now)) late.push(...(await t.onTimer(payload)));
    expect(late.map((e) => e.type), 'a missed call, not a completed one').to.deep.equal(['missed']);
  });
});
