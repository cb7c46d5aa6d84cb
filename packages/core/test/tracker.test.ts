import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { CallTracker, type CallEvent } from '@callrelay/core';
import { MemoryStore } from '@callrelay/testkit';

let n = 0;
const ev = (overrides: Partial<CallEvent>): CallEvent => {
  n += 1;
  const at = new Date(Date.parse('2026-11-24T10:00:00Z') + n * 1000).toISOString();
  return { id: `e${n}`, source: 'pbx', platform: 'test', callId: 'c1', type: 'ringing', direction: 'inbound', occurredAt: at, receivedAt: at, raw: {}, ...overrides };
};

function tracker(settleMs: number, now = () => Date.now()) {
  const store = new MemoryStore();
  const t = new CallTracker(store.kv('calls'), store.timers, { callTimeoutMs: 60_000, settleMs, now, logger: pino({ level: 'silent' }) });
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

  it('is idempotent: the same events again (a redelivery) emit the same outcome id and no new one', async () => {
    const { t } = tracker(0);
    const events = ringGroupMissed();
    const first: CallEvent[] = [];
    for (const e of events) first.push(...(await t.observe(e)));
    const again: CallEvent[] = [];
    for (const e of events) again.push(...(await t.observe(e)));
    // The redelivered end returns what it triggered before (same deterministic id): routing dedupes it.
    expect(again.map((e) => e.id)).to.deep.equal(first.map((e) => e.id));
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
});
