import { describe, it, beforeEach, afterEach } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallEvent, CallRecord } from '@callrelay/core';
import { replayDeadLetters } from '@callrelay/core/host';
import { contractEvent } from '@callrelay/testkit';
import { SqliteStore } from '../src/index.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** The events of one call: started, ringing, then (when given) the tracker's outcome. */
function call(source: string, callId: string, minute: number, from: string, outcome?: 'missed' | 'completed'): CallEvent[] {
  const base = { source, callId, direction: 'inbound' as const, from: { raw: from, e164: from }, to: { raw: '+14155551234', e164: '+14155551234' } };
  const events = [
    contractEvent({ ...base, id: `${callId}-1`, type: 'started', occurredAt: at(minute) }),
    contractEvent({ ...base, id: `${callId}-2`, type: 'ringing', occurredAt: at(minute + 0.1) }),
  ];
  if (outcome) {
    events.push(contractEvent({
      ...base, id: `${callId}-3`, type: outcome, occurredAt: at(minute + 1), startedAt: at(minute), ringSeconds: 12, talkSeconds: outcome === 'completed' ? 30 : 0,
      call: { legs: ['a', 'b'], rang: ['101'], transfers: 0, recordingUrls: [], eventCount: 3, ...(outcome === 'completed' ? { answeredBy: '101' } : {}) },
    }));
  }
  return events;
}

describe('SQLite store: the calls index behind the console', () => {
  let store: SqliteStore;
  beforeEach(async () => { store = await SqliteStore.open({ path: path.join(mkdtempSync(path.join(tmpdir(), 'callrelay-calls-')), 'store.db') }); });
  afterEach(() => store.close());

  const all = async (query: Omit<Parameters<SqliteStore['listCalls']>[0], 'limit' | 'cursor'>, limit: number): Promise<CallRecord[]> => {
    const out: CallRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listCalls({ ...query, limit, ...(cursor ? { cursor } : {}) });
      expect(page.calls.length).to.be.at.most(limit);
      out.push(...page.calls);
      cursor = page.next;
    } while (cursor);
    return out;
  };

  it('folds events into one row per call, the outcome event overwriting what the first events said', async () => {
    await store.append(call('pbx', 'c1', 0, '+12125550001', 'completed'));
    const [row] = (await store.listCalls({ limit: 10 })).calls;
    expect(row).to.include({ source: 'pbx', callId: 'c1', outcome: 'completed', answeredBy: '101', from: '+12125550001', ringSeconds: 12, talkSeconds: 30, legs: 2, events: 3 });
    expect(row!.startedAt).to.equal(at(0));
    expect((await store.callEvents('pbx', 'c1')).map((e) => e.type)).to.deep.equal(['started', 'ringing', 'completed']);
    expect(await store.callEvents('pbx', 'nope')).to.deep.equal([]);
  });

  it('pages newest first with a cursor, every call once, across calls that started at the same instant', async () => {
    for (let i = 0; i < 23; i++) await store.append(call(i % 2 ? 'pbx' : 'sw', `c${i}`, Math.floor(i / 3), `+1212555${String(i).padStart(4, '0')}`, i % 3 === 0 ? 'missed' : undefined));
    const listed = await all({}, 5);
    expect(listed.map((c) => c.callId).sort()).to.deep.equal(Array.from({ length: 23 }, (_, i) => `c${i}`).sort());
    const times = listed.map((c) => c.startedAt);
    expect(times).to.deep.equal([...times].sort().reverse());
  });

  it('filters by source, outcome, number (a part of it, LIKE wildcards taken literally) and time range', async () => {
    for (let i = 0; i < 12; i++) await store.append(call(i % 2 ? 'pbx' : 'sw', `c${i}`, i, `+1212555${String(i).padStart(4, '0')}`, i % 3 === 0 ? 'missed' : i % 3 === 1 ? 'completed' : undefined));
    expect((await all({ source: 'pbx' }, 4)).map((c) => c.callId).sort()).to.deep.equal(['c1', 'c11', 'c3', 'c5', 'c7', 'c9']);
    expect((await all({ outcome: 'missed' }, 2)).map((c) => c.callId)).to.deep.equal(['c9', 'c6', 'c3', 'c0']);
    expect((await all({ outcome: 'in-progress' }, 2)).map((c) => c.callId)).to.deep.equal(['c11', 'c8', 'c5', 'c2']);
    expect((await all({ number: '5550007' }, 10)).map((c) => c.callId)).to.deep.equal(['c7']);
    expect(await all({ number: '%' }, 10)).to.deep.equal([]);
    expect((await all({ since: Date.parse(at(3)), until: Date.parse(at(6)) }, 10)).map((c) => c.callId)).to.deep.equal(['c5', 'c4', 'c3']);
    expect((await all({ source: 'sw', outcome: 'missed', since: Date.parse(at(1)) }, 10)).map((c) => c.callId)).to.deep.equal(['c6']);
  });

  it('reports the calls changed after a mark (live updates), and the mark moves with every change', async () => {
    await store.append(call('pbx', 'a', 0, '+1'));
    await store.append(call('pbx', 'b', 1, '+2'));
    const { mark } = await store.listCalls({ limit: 1 });
    expect((await store.listCalls({ limit: 10, changedAfter: mark })).calls).to.deep.equal([]);
    await store.append([contractEvent({ source: 'pbx', callId: 'a', type: 'missed', id: 'a-missed', occurredAt: at(2) })]);
    const changed = await store.listCalls({ limit: 10, changedAfter: mark });
    expect(changed.calls.map((c) => [c.callId, c.outcome])).to.deep.equal([['a', 'missed']]);
    expect(changed.mark).to.be.greaterThan(mark);
  });

  it('tells where deliveries are: queued, retrying, delivered, and the replay of a dead letter', async () => {
    const q = store.deliveries('crm');
    const payload = { sinkId: 'crm', pipeline: 'p', event: contractEvent() };
    await q.enqueue([{ id: 'p/crm/e1', payload }, { id: 'p/crm/e2', payload }, { id: 'p/crm/e3', payload }]);
    const leases = await q.claim(3, { leaseMs: 10_000, waitMs: 0 });
    await q.ack(leases.find((l) => l.id === 'p/crm/e1')!);
    await q.retry(leases.find((l) => l.id === 'p/crm/e2')!, { delayMs: 60_000 });
    const e3 = leases.find((l) => l.id === 'p/crm/e3')!;
    await store.deadLetters.add({ id: e3.id, sinkId: 'crm', delivery: payload, reason: 'answered 500', attempts: 1, failedAt: new Date().toISOString() });
    await q.ack(e3);
    await replayDeadLetters(store, { ids: ['p/crm/e3'] });
    const states = await store.deliveryStates([{ sinkId: 'crm', id: 'p/crm/e1' }, { sinkId: 'crm', id: 'p/crm/e2' }, { sinkId: 'crm', id: 'p/crm/e3' }, { sinkId: 'crm', id: 'p/crm/none' }]);
    expect(states.map((s) => [s.id.replace(/~r\d+$/, '~r*'), s.state, s.attempts, s.replayOf])).to.deep.equal([
      ['p/crm/e1', 'delivered', 0, undefined], ['p/crm/e2', 'retrying', 1, undefined], ['p/crm/e3~r*', 'queued', 0, 'p/crm/e3'],
    ]);
  });

  it('prunes a call with the last of its events, not before', async () => {
    await store.append(call('pbx', 'old', 0, '+1', 'missed'));
    const leases = await store.routing.claim(10, { leaseMs: 60_000, waitMs: 0 });
    await store.routing.ack(leases[0]!); // two events still waiting to be routed: kept, and so is the call
    await store.prune(Date.now() + 400 * 86_400_000);
    expect((await store.listCalls({ limit: 10 })).calls.map((c) => c.callId)).to.deep.equal(['old']);
    for (const lease of leases.slice(1)) await store.routing.ack(lease);
    await store.prune(Date.now() + 400 * 86_400_000);
    expect((await store.listCalls({ limit: 10 })).calls).to.deep.equal([]);
    expect(await store.callEvents('pbx', 'old')).to.deep.equal([]);
  });

  it('summarises dead letters per sink: the count and the latest, from the index', async () => {
    const letter = (id: string, sinkId: string, failedAt: string, reason: string) => store.deadLetters.add({
      id, sinkId, delivery: { sinkId, pipeline: 'p', event: contractEvent() }, reason, attempts: 3, failedAt,
    });
    await letter('a1', 'crm', '2026-03-01T10:00:00.000Z', 'old');
    await letter('a2', 'crm', '2026-03-02T10:00:00.000Z', 'newest');
    await letter('a3', 'crm', '2026-03-01T12:00:00.000Z', 'middle');
    await letter('b1', 'log', '2026-03-01T10:00:00.000Z', 'disk full');
    const summary = (await store.deadLetters.summary()).sort((x, y) => x.sinkId.localeCompare(y.sinkId));
    expect(summary.map((s) => [s.sinkId, s.count, s.latest.id, s.latest.reason])).to.deep.equal([['crm', 3, 'a2', 'newest'], ['log', 1, 'b1', 'disk full']]);
  });
});

