import { describe, it } from 'mocha';
import { expect } from 'chai';
import { hasErrorCode, type CallEvent } from '@callrelay/core';
import { loadFixtures } from '@callrelay/testkit';
import { eventsOf, fixture, fixtureEvents, isJournalRequest } from './helpers.js';

const json = (body: Record<string, unknown>) => ({ body: JSON.stringify(body), contentType: 'application/json' });
const form = (body: string) => ({ body, contentType: 'application/x-www-form-urlencoded' });
/** The `Id`/`id` a seed body names (or the recording file name's id), as written. */
const idIn = (body: string) => (/"Id": "?([^",}\s]+)"?/i.exec(body) ?? /[?&]?\bid=([^&]+)/.exec(body) ?? /recording\/(.+_\d+-\d+)-\d+\.mp3$/.exec(body))![1]!;

describe('3cx mapping of the seed scenarios', () => {
  for (const f of loadFixtures('3cx')) {
    it(`${f.name}: each request yields its expected types, its call and leg ids`, async () => {
      const events = await fixtureEvents(f);
      const addonCalls = new Set(f.requests.filter((r) => !isJournalRequest(r)).map((r) => idIn(r.body!).replace(/-\d+$/, '')));
      f.requests.forEach((request, index) => {
        const label = `${f.name} step ${index + 1} (${request.step})`;
        expect(events[index]!.map((e) => e.type), label).to.deep.equal(request.expectTypes);
        if (isJournalRequest(request)) {
          // The journal names no 3CX call or leg: its own call id, or the add-on's call it belongs to.
          for (const event of events[index]!) {
            expect(event.legId, label).to.equal(undefined);
            expect(addonCalls.has(event.callId) || event.callId.startsWith('3cx-journal-'), `${label}: ${event.callId}`).to.equal(true);
          }
          return;
        }
        const id = idIn(request.body!);
        for (const event of events[index]!) {
          expect(event.legId, label).to.equal(id);
          expect(event.callId, label).to.equal(id.replace(/-\d+$/, ''));
          expect(event.platform).to.equal('3cx');
          expect(event.raw, `${label} keeps the raw body`).to.not.equal(undefined);
        }
      });
    });
  }

  it('sets the direction each event states: inbound for ringing, pickups and ends of incoming calls; outbound for outgoing ones', async () => {
    for (const f of loadFixtures('3cx')) {
      const expected = /outgoing|outbound/.test(f.name) ? 'outbound' : 'inbound';
      for (const event of (await fixtureEvents(f)).flat()) {
        // A recording event says no direction; one that came with an end has the end's.
        if (event.type === 'recording') expect(event.direction, `${f.name} recording`).to.be.oneOf(['unknown', expected]);
        else expect(event.direction, `${f.name} ${event.type}`).to.equal(expected);
      }
    }
  });

  it('maps an inbound JSON call: caller in E.164, the ringing IVR, queue and extension as parties with their kind', async () => {
    const [ivr, queue, phone, answer] = (await fixtureEvents(fixture('json-queue-missed'))).flat();
    expect(ivr!.from).to.deep.equal({ raw: '05552221133', e164: '+905552221133' });
    expect(ivr!.to, 'empty Did: no callee').to.equal(undefined);
    expect(ivr!.agent).to.deep.equal({ raw: '800', extension: '800', kind: 'other' });
    expect(queue!.agent).to.deep.equal({ raw: '820', extension: '820', kind: 'queue' });
    expect(phone!.agent).to.deep.equal({ raw: '202', extension: '202', kind: 'ext' });
    expect(answer).to.include({ type: 'ended', outcome: 'no-answer', talkSeconds: 0, status: 'incoming' });
    expect(answer!.endsCall).to.equal(undefined);
    expect(answer!.details).to.include({ finishType: 'Missed', transfer: false });
  });

  it('names IVRs and ring groups as configured in extensionKinds', async () => {
    const [ivr] = await eventsOf(fixture('json-queue-missed').requests[0]!, { auth: 'none', extensionKinds: { '800': 'ivr' } });
    expect(ivr!.agent).to.deep.equal({ raw: '800', extension: '800', kind: 'ivr' });
  });

  it('reads the answered end: outcome answered, mm:ss duration as talk seconds', async () => {
    const events = (await fixtureEvents(fixture('json-ring-group-two-phones-answered'))).flat();
    expect(events.map((e) => e.agent?.extension)).to.deep.equal(['800', '117', '204', '117', '117', '117']);
    expect(events[4]).to.include({ type: 'ended', outcome: 'answered', talkSeconds: 5 });
    expect(events[5]).to.include({ type: 'recording', recordingUrl: 'https://FQDN:5001/webapi/recording/230307151412_47-1-1.mp3' });
  });

  it('maps an attended transfer: Trtype Attended is the transfer, the Transfer True end only ends the first leg', async () => {
    const events = (await fixtureEvents(fixture('json-attended-transfer'))).flat();
    const transfer = events.find((e) => e.type === 'transferred')!;
    expect(transfer).to.include({ transfer: 'attended', legId: '230307142318_40-2' });
    expect(transfer.agent!.extension).to.equal('204');
    const [legEnd, callEnd] = events.filter((e) => e.type === 'ended');
    expect(legEnd).to.include({ legId: '230307142318_40-1', outcome: 'answered', endsCall: false, talkSeconds: 14 });
    expect(callEnd).to.include({ legId: '230307142318_40-2', outcome: 'answered', talkSeconds: 6 });
    expect(callEnd!.endsCall).to.equal(undefined);
    expect(events.filter((e) => e.type === 'recording').map((e) => e.legId)).to.deep.equal(['230307142318_40-2', '230307142318_40-1']);
  });

  it('maps a blind transfer', async () => {
    const transfer = (await fixtureEvents(fixture('json-blind-transfer'))).flat().find((e) => e.type === 'transferred')!;
    expect(transfer).to.include({ transfer: 'blind', callId: '230307144544_42' });
  });

  it('maps an outgoing call: the extension is the caller and the agent, the number called is the callee', async () => {
    const [dial, answer, end] = (await fixtureEvents(fixture('json-outgoing-answered'))).flat();
    expect(dial).to.include({ type: 'started', direction: 'outbound', status: 'dialing' });
    expect(dial!.from).to.deep.equal({ raw: '117', extension: '117', kind: 'ext' });
    expect(dial!.to).to.deep.equal({ raw: '05552221133', e164: '+905552221133' });
    expect(answer).to.include({ type: 'answered', direction: 'outbound' });
    expect(end).to.include({ type: 'ended', outcome: 'answered', talkSeconds: 5 });
  });

  it('does not take MAKECALL for the number called', async () => {
    const answer = (await fixtureEvents(fixture('json-outgoing-makecall'))).flat()[1]!;
    expect(answer.to).to.equal(undefined);
    expect(answer.details).to.include({ callerId: 'MAKECALL' });
  });

  it('ends an unanswered outgoing call with no-answer', async () => {
    const end = (await fixtureEvents(fixture('json-outgoing-missed'))).flat()[1]!;
    expect(end).to.include({ type: 'ended', direction: 'outbound', outcome: 'no-answer', talkSeconds: 0 });
  });

  it('flags exactly the seed requests whose JSON had to be repaired', async () => {
    const repaired: string[] = [];
    for (const f of loadFixtures('3cx')) {
      (await fixtureEvents(f)).forEach((events, index) => {
        if (events.some((e) => e.flags?.includes('repaired-body'))) repaired.push(`${f.name}#${index + 1}`);
      });
    }
    expect(repaired).to.deep.equal(['3cx/json-outgoing-answered#3', '3cx/json-queue-answered#4']);
  });

  it('maps the lowercase form variant: hangupincoming is the pickup, the title gives outcome and duration, DID numbers in E.164', async () => {
    const events = (await fixtureEvents(fixture('form-queue-answered'))).flat();
    expect(events.map((e) => e.type)).to.deep.equal(['ringing', 'ringing', 'ringing', 'answered', 'ended']);
    const [, queue, , answer, end] = events;
    expect(queue!.agent).to.deep.equal({ raw: '804', extension: '804', kind: 'queue' });
    expect(answer).to.include({ status: 'hangupincoming', direction: 'inbound' });
    expect(answer!.from).to.deep.equal({ raw: '420774852629', e164: '+420774852629' });
    expect(answer!.to).to.deep.equal({ raw: '420222000320', e164: '+420222000320' });
    expect(answer!.details).to.include({ did: 'DID-420222000320' });
    expect(end).to.include({ outcome: 'answered', talkSeconds: 7 });
    expect(end!.raw, 'form bodies are kept as an object of strings').to.deep.include({ title: 'DID-420222000320:Answered call from 420774852629 (0:07)' });
  });

  it('maps the bare recording URL of the form variant to a recording of the leg named in the file', async () => {
    const [recording] = (await fixtureEvents(fixture('form-outgoing-answered')))[3]!;
    expect(recording).to.include({ type: 'recording', callId: '230102185935_18', legId: '230102185935_18-1', recordingUrl: 'https://3CXDQDN:5001/webapi/recording/230102185935_18-1-1.mp3' });
    expect(recording!.raw).to.equal('https://3CXDQDN:5001/webapi/recording/230102185935_18-1-1.mp3');
  });

  it('reads keys in any casing (Event, EVENT, event, CallerID, caller_id, FILES)', async () => {
    const variants = [
      json({ EVENT: 'Ringing', CALLERID: '05552221133', USER: '202', USERTYPE: 'ext', ID: '230307114903_10-0' }),
      json({ event: 'ringing', caller_id: '05552221133', User: '202', UserType: 'ext', id: '230307114903_10-0' }),
      form('Event=ringing&CallerID=05552221133&user=202&Usertype=ext&Id=230307114903_10-0'),
    ];
    for (const variant of variants) {
      const [event] = await eventsOf(variant);
      expect(event, variant.body).to.include({ type: 'ringing', callId: '230307114903_10', legId: '230307114903_10-0', direction: 'inbound' });
      expect(event!.from!.e164, variant.body).to.equal('+905552221133');
      expect(event!.agent, variant.body).to.deep.equal({ raw: '202', extension: '202', kind: 'ext' });
    }
    const files = await eventsOf(form('event=recording&user=102&id=230102185935_18-1&FILES=https://pbx/rec/230102185935_18-1-1.mp3,https://pbx/rec/230102185935_18-1-2.mp3'));
    expect(files.map((e) => e.recordingUrl)).to.deep.equal(['https://pbx/rec/230102185935_18-1-1.mp3', 'https://pbx/rec/230102185935_18-1-2.mp3']);
    expect(new Set(files.map((e) => e.id)).size, 'one event per file').to.equal(2);
  });

  it('accepts pickupincoming and lowercase finishtype, and a plain-seconds duration', async () => {
    const [pickup] = await eventsOf(form('event=pickupincoming&callerid=420774852629&user=102&trtype=NotDef&id=230102104542_15-1'));
    expect(pickup).to.include({ type: 'answered', direction: 'inbound' });
    const [end] = await eventsOf(form('event=incoming&callerid=420774852629&user=102&finishtype=ok&duration=42&id=230102104542_15-1'));
    expect(end).to.include({ type: 'ended', outcome: 'answered', talkSeconds: 42 });
  });

  describe('the newer lowercase JSON variant (pickupincoming, inbound_did, phonebook, FILES on the end)', () => {
    // Shaped like the add-on's newer documentation; the values are made up.
    const common = { callerid: '381601234567', did: 'Main line 021 555 0100', inbound_did: '381215550100', chid: '00000000-01dc-0000-0000-00000000000a', phonebook: 'Doe, Jane', sip_displayname: '381601234567' };

    it('maps a pickup, the dialled number and the caller name', async () => {
      const [pickup] = await eventsOf(json({ ...common, event: 'pickupincoming', user: '105', trtype: 'NotDef', id: '250101100000_5-1' }), undefined, 'RS');
      expect(pickup).to.include({ type: 'answered', direction: 'inbound', callId: '250101100000_5', legId: '250101100000_5-1' });
      expect(pickup!.from).to.deep.equal({ raw: '381601234567', e164: '+381601234567', name: 'Doe, Jane' });
      expect(pickup!.to).to.deep.equal({ raw: '381215550100', e164: '+381215550100' });
      expect(pickup!.details).to.include({ did: 'Main line 021 555 0100', chid: '00000000-01dc-0000-0000-00000000000a' });
    });

    it('reads the outcome from a title that names the line, and keeps the termination details', async () => {
      const [end] = await eventsOf(json({ ...common, event: 'incoming', user: '809', finishtype: '', transfer: 'False', breakside: 'Undef', title: 'Main line 021 555 0100:Missed call by IVR 809 from 381601234567', id: '250101100000_5-0', termination_reason_details: 'by_did' }));
      expect(end).to.include({ type: 'ended', outcome: 'no-answer' });
      expect(end!.details).to.include({ breakSide: 'Undef', terminationReason: 'by_did' });
    });

    it('turns an end that carries FILES into the end and a recording per file, and its repeat into nothing new', async () => {
      const first = await eventsOf(json({ ...common, event: 'incoming', user: '105', transfer: 'False', title: 'Main line:Answered call from 381601234567 (1:05)', id: '250101100000_5-1' }));
      const repeat = await eventsOf(json({ ...common, event: 'incoming', user: '105', finishtype: 'OK', transfer: 'false', did: 'empty', title: 'Successful call (1:05)', id: '250101100000_5-1', FILES: ['https://pbx.example.com/webapi/recording/250101100000_5-1-1.mp3'] }));
      expect(first.map((e) => e.type)).to.deep.equal(['ended']);
      expect(first[0]).to.include({ outcome: 'answered', talkSeconds: 65 });
      expect(repeat.map((e) => e.type)).to.deep.equal(['ended', 'recording']);
      expect(repeat[0]!.id, 'the repeated end of the leg is the same event').to.equal(first[0]!.id);
      expect(repeat[1]).to.include({ recordingUrl: 'https://pbx.example.com/webapi/recording/250101100000_5-1-1.mp3', legId: '250101100000_5-1' });
      expect(repeat[1]!.outcome).to.equal(undefined);
      expect(repeat[0]!.details!.did, '"empty" is no DID').to.equal(undefined);
      const [bare] = await eventsOf({ body: 'https://pbx.example.com/webapi/recording/250101100000_5-1-1.mp3', contentType: 'text/plain' });
      expect(bare!.id, 'the same recording announced as a bare URL').to.equal(repeat[1]!.id);
    });
  });

  it('derives an end outcome only from what the payload says', async () => {
    const end = async (fields: Record<string, string>) => (await eventsOf(json({ Event: 'incoming', Callerid: '05552221133', User: '202', Id: '230307114903_10-1', ...fields })))[0]!;
    expect((await end({ Finishtype: 'Busy' })).outcome).to.equal('busy');
    expect((await end({ Finishtype: 'Whatever', Duration: '00:09' })).outcome, 'unknown finish type, talk time').to.equal('answered');
    expect((await end({ Finishtype: 'Whatever', Duration: '' })).outcome, 'nothing says how it ended').to.equal(undefined);
    expect((await end({})).outcome).to.equal(undefined);
  });

  it('calls a call between two extensions internal', async () => {
    const [event] = await eventsOf(json({ Event: 'ringing', Callerid: '117', User: '204', Usertype: 'ext', Id: '230307150000_70-0' }));
    expect(event).to.include({ direction: 'internal' });
  });

  it('keeps an unknown event as unclassified, never dropped and never an outcome', async () => {
    const [event] = await eventsOf(json({ Event: 'voicemail_left', Callerid: '05552221133', User: '202', Id: '230307114903_10-0' }));
    expect(event).to.include({ type: 'unknown', callId: '230307114903_10', status: 'voicemail_left' });
    expect(event!.flags).to.deep.equal(['unclassified']);
    expect(event!.outcome).to.equal(undefined);
    const [noName] = await eventsOf(json({ Id: '230307114903_10-0', Something: 'x' }));
    expect(noName).to.include({ type: 'unknown', callId: '230307114903_10' });
  });

  it('keeps an event without an id, flagged, under a call id of its own', async () => {
    const [event] = await eventsOf(json({ Event: 'ringing', Callerid: '05552221133', User: '202' }));
    expect(event!.callId).to.match(/^no-id-[0-9a-f]{16}$/);
    expect(event!.flags).to.include('missing-id');
  });

  it('refuses (400) a body with neither an event name nor an id', async () => {
    let error: unknown;
    try {
      await eventsOf(json({ Callerid: '05552221133', User: '202' }));
    } catch (err) {
      error = err;
    }
    expect(hasErrorCode(error, 'WEBHOOK_BAD_REQUEST')).to.equal(true);
    expect((error as Error).message).to.match(/no event name .* and no call id/);
  });

  it('gives the same webhook the same event id, and two phones ringing on one leg two ids', async () => {
    const request = fixture('json-ring-group-two-phones-missed').requests[1]!;
    const first = await eventsOf(request);
    const again = await eventsOf(request);
    expect(first[0]!.id).to.equal(again[0]!.id);
    const other = await eventsOf(fixture('json-ring-group-two-phones-missed').requests[2]!);
    expect(other[0]!.id).to.not.equal(first[0]!.id);
    const all: CallEvent[] = [];
    let expected = 0;
    for (const f of loadFixtures('3cx')) {
      expected += f.requests.reduce((n, r) => n + (r.expectTypes?.length ?? 0), 0);
      const seen = new Set<string>();
      for (const event of (await fixtureEvents(f)).flat()) {
        expect(seen.has(event.id), `${f.name}: two requests with one event id`).to.equal(false);
        seen.add(event.id);
        all.push(event);
      }
    }
    expect(all.length, 'every event each fixture expects').to.equal(expected);
    expect(all.length).to.be.at.least(157);
  });

  it('dates the call from its id when the server time zone is configured, and not otherwise', async () => {
    const request = fixture('json-queue-missed').requests[0]!;
    const [zoned] = await eventsOf(request, { auth: 'none', timeZone: 'Europe/Istanbul' });
    expect(zoned!.startedAt).to.equal('2023-03-07T08:53:39.000Z');
    expect(zoned!.details).to.include({ idTime: '2023-03-07T11:53:39' });
    const [plain] = await eventsOf(request);
    expect(plain!.startedAt).to.equal(undefined);
    expect(zoned!.details!.pbxClock, 'startedAt is read on the 3CX server\'s clock').to.deep.equal(['startedAt']);
    expect(plain!.details!.pbxClock, 'nothing is without a time zone').to.equal(undefined);
    expect(zoned).to.include({ clock: 'received', occurredAt: zoned!.receivedAt });
  });

  it('takes no field of an add-on body for the time of the event: the add-on sends none, callrelay\'s receive time is used (issue 10, two clocks)', async () => {
    for (const field of ['timestamp', 'time', 'datetime', 'date', 'eventtime']) {
      const [event] = await eventsOf(json({ Event: 'ringing', Callerid: '05552221133', User: '202', Usertype: 'ext', Id: '230307114903_10-0', [field]: '2023-03-07T11:49:03Z' }), { auth: 'none', timeZone: 'Europe/Istanbul' });
      expect(event, field).to.include({ clock: 'received', occurredAt: event!.receivedAt });
      expect(event!.details!.pbxClock, field).to.deep.equal(['startedAt']);
    }
  });
});
