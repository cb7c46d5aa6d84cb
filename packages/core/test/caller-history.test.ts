import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { type CallEvent } from '@callrelay/core';
import { CallerHistory } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';

const CUSTOMER = { raw: '+12125551212', e164: '+12125551212' };
const OUR_LINE = { raw: '+14155550100', e164: '+14155550100' };

/** An outcome event as the tracker emits it. */
function outcome(callId: string, type: 'missed' | 'completed', direction: 'inbound' | 'outbound', at: string, extra: Partial<CallEvent> = {}): CallEvent {
  return {
    id: `${callId}#${type}`, source: 'pbx', platform: 'test', callId, type, direction,
    ...(direction === 'inbound' ? { from: CUSTOMER, to: OUR_LINE } : { from: OUR_LINE, to: CUSTOMER }),
    occurredAt: at, receivedAt: at, startedAt: at, raw: null, ...extra,
  };
}

function history(options: { windowMs?: number; timeZone?: string } = {}) {
  const store = new MemoryStore();
  const callers = new CallerHistory(store, { callbackWindowMs: options.windowMs ?? 86_400_000, timeZone: options.timeZone ?? 'UTC', logger: pino({ level: 'silent' }) });
  return { store, callers };
}

describe('caller history: callbacks', () => {
  it('an answered outbound call to a number that missed us emits one called_back event for the missed call, in the log', async () => {
    const { store, callers } = history();
    const missed = outcome('c1', 'missed', 'inbound', '2026-11-24T10:00:00.000Z');
    expect(await callers.observe([missed])).to.deep.equal([]);
    const callback = outcome('c2', 'completed', 'outbound', '2026-11-24T10:12:00.000Z', { agent: { raw: '102', extension: '102', name: 'Alice' } });
    const derived = await callers.observe([callback]);
    expect(derived).to.have.length(1);
    const event = derived[0]!;
    expect(event).to.deep.include({ type: 'called_back', source: 'pbx', callId: 'c1', direction: 'inbound' });
    expect(event.callback).to.deep.equal({ via: 'outbound', missedEventId: missed.id, source: 'pbx', callId: 'c2', by: 'Alice', afterSeconds: 720 });
    expect(event.from).to.deep.equal(CUSTOMER);
    expect(await store.getEvent(event.id)).to.deep.include({ type: 'called_back', callId: 'c1' });
  });

  it('is once per missed call: the same batch again (a redelivery) and a second callback emit nothing new', async () => {
    const { store, callers } = history();
    await callers.observe([outcome('c1', 'missed', 'inbound', '2026-11-24T10:00:00.000Z')]);
    const callback = outcome('c2', 'completed', 'outbound', '2026-11-24T10:12:00.000Z');
    const first = await callers.observe([callback]);
    expect(await callers.observe([callback])).to.deep.equal([]);
    expect(await callers.observe([outcome('c3', 'completed', 'outbound', '2026-11-24T11:00:00.000Z')])).to.deep.equal([]);
    const appended = await store.append(first);
    expect(appended.duplicates).to.deep.equal([first[0]!.id]);
  });

  it('does not count a callback after the window, or a call before the missed one', async () => {
    const { callers } = history({ windowMs: 3600_000 });
    await callers.observe([outcome('c1', 'missed', 'inbound', '2026-11-24T10:00:00.000Z')]);
    expect(await callers.observe([outcome('c0', 'completed', 'outbound', '2026-11-24T09:00:00.000Z')])).to.deep.equal([]);
    expect(await callers.observe([outcome('c2', 'completed', 'outbound', '2026-11-24T11:00:01.000Z')])).to.deep.equal([]);
  });

  it('the caller calling again and being answered returns the missed call (via inbound), and returns every open missed call of the number', async () => {
    const { callers } = history();
    await callers.observe([outcome('c1', 'missed', 'inbound', '2026-11-24T10:00:00.000Z'), outcome('c2', 'missed', 'inbound', '2026-11-24T10:05:00.000Z')]);
    const derived = await callers.observe([outcome('c3', 'completed', 'inbound', '2026-11-24T10:40:00.000Z', { agent: { raw: '101', extension: '101' } })]);
    expect(derived.map((e) => [e.callId, e.callback?.via, e.callback?.afterSeconds, e.callback?.by])).to.deep.equal([['c1', 'inbound', 2400, '101'], ['c2', 'inbound', 2100, '101']]);
  });

  it('an unanswered outbound attempt is no callback (the tracker emits no outcome for it), and an extension is no customer number', async () => {
    const { callers } = history();
    await callers.observe([outcome('c1', 'missed', 'inbound', '2026-11-24T10:00:00.000Z', { from: { raw: '101', extension: '101' } })]);
    expect(await callers.observe([outcome('c2', 'completed', 'outbound', '2026-11-24T10:10:00.000Z', { to: { raw: '101', extension: '101' } })])).to.deep.equal([]);
  });
});

describe('caller history: repeat callers', () => {
  it('counts inbound calls per number per local day on their outcomes, once per call however often routed', async () => {
    const { callers } = history({ timeZone: 'Europe/Berlin' });
    const calls = [
      outcome('c1', 'missed', 'inbound', '2026-11-24T08:00:00.000Z'),
      outcome('c2', 'completed', 'inbound', '2026-11-24T09:00:00.000Z'),
      outcome('c3', 'missed', 'inbound', '2026-11-24T22:30:00.000Z'), // 23:30 in Berlin: still the 24th
      outcome('c4', 'missed', 'inbound', '2026-11-24T23:30:00.000Z'), // 00:30 on the 25th in Berlin
    ];
    await callers.observe(calls.slice(0, 2));
    await callers.observe(calls.slice(2));
    expect(calls.map((c) => c.caller?.callsToday)).to.deep.equal([1, 2, 3, 1]);
    // The same outcome routed again (a redelivered batch), as stored: without the count.
    const again: CallEvent = { ...structuredClone(calls[1]!), caller: undefined };
    await callers.observe([again]);
    expect(again.caller?.callsToday).to.equal(2);
  });

  it('leaves outbound calls and events other than outcomes uncounted', async () => {
    const { callers } = history();
    const out = outcome('c1', 'completed', 'outbound', '2026-11-24T08:00:00.000Z');
    const ringing: CallEvent = { ...outcome('c2', 'missed', 'inbound', '2026-11-24T08:00:00.000Z'), type: 'ringing' };
    await callers.observe([out, ringing]);
    expect(out.caller).to.equal(undefined);
    expect(ringing.caller).to.equal(undefined);
  });
});
