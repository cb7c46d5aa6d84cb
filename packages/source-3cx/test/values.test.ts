import { describe, it } from 'mocha';
import { expect } from 'chai';
import { compactLocalTime, idFromRecordingUrl, isoToLocalTime, localTimeToIso, numberKey, parseCallId, parseDuration, parseFlag, parsePbxTime, parseTimestamp, readTitle } from '@callrelay/source-3cx';

describe('3cx ids, durations and times', () => {
  it('folds the legs -0, -1, -2 of one call into one call id and keeps the leg', () => {
    for (const leg of ['0', '1', '2']) {
      expect(parseCallId(`230307142318_40-${leg}`)).to.deep.equal({ callId: '230307142318_40', legId: `230307142318_40-${leg}`, localStart: '2023-03-07T14:23:18' });
    }
  });

  it('takes an id without a leg as the call itself, and reads no time from an id that does not start with one', () => {
    expect(parseCallId('230307142318_40')).to.deep.equal({ callId: '230307142318_40', localStart: '2023-03-07T14:23:18' });
    // The seed's truncated id (11 digits): kept as sent, no date guessed from it.
    expect(parseCallId('30307135611_31-1')).to.deep.equal({ callId: '30307135611_31', legId: '30307135611_31-1' });
    expect(parseCallId('231307142318_40-0').localStart, 'month 13').to.equal(undefined);
  });

  it('reads the leg id from a recording file name', () => {
    expect(idFromRecordingUrl('https://3CXDQDN:5001/webapi/recording/230102185935_18-1-1.mp3')).to.equal('230102185935_18-1');
    expect(idFromRecordingUrl('https://FQDN:5001/webapi/recording/230307142318_40-2-1.wav?x=1')).to.equal('230307142318_40-2');
    expect(idFromRecordingUrl('https://example.com/rec/call.mp3')).to.equal(undefined);
  });

  it('reads durations as mm:ss, h:mm:ss and plain seconds; nothing from blanks', () => {
    expect(parseDuration('00:06')).to.equal(6);
    expect(parseDuration('00:14')).to.equal(14);
    expect(parseDuration('12:05')).to.equal(725);
    expect(parseDuration('1:02:03')).to.equal(3723);
    expect(parseDuration('95')).to.equal(95);
    expect(parseDuration('')).to.equal(undefined);
    expect(parseDuration(undefined)).to.equal(undefined);
    expect(parseDuration('00:75')).to.equal(undefined);
    expect(parseDuration('soon')).to.equal(undefined);
    // The CRM journal's [Duration] is a .NET TimeSpan.
    expect(parseDuration('00:03:07')).to.equal(187);
    expect(parseDuration('00:01:05.4800000')).to.equal(65);
    expect(parseDuration('00:01:05.5000000')).to.equal(66);
  });

  it('reads Transfer flags', () => {
    expect([parseFlag('True'), parseFlag('False'), parseFlag(true), parseFlag('maybe')]).to.deep.equal([true, false, true, undefined]);
  });

  it('reads what the form variant title says', () => {
    expect(readTitle('DID-420222000320:Answered call from 420774852629 (0:07)')).to.deep.equal({ answered: true, durationSeconds: 7 });
    expect(readTitle('Successful call to 420774852629 (0:06)')).to.deep.equal({ answered: true, durationSeconds: 6 });
    expect(readTitle('DID-420222000320:Missed call by queue 804 from 420774852629')).to.deep.equal({ answered: false });
    expect(readTitle('Unanswered call to 420774852629')).to.deep.equal({ answered: false });
    expect(readTitle('Something else')).to.deep.equal({});
  });

  it('reads ISO and Unix timestamps, and local times only with a configured zone', () => {
    expect(parseTimestamp('2023-03-07T14:23:18Z')).to.equal('2023-03-07T14:23:18.000Z');
    expect(parseTimestamp('2023-03-07 14:23:18+01:00')).to.equal('2023-03-07T13:23:18.000Z');
    expect(parseTimestamp(1678195398)).to.equal('2023-03-07T13:23:18.000Z');
    expect(parseTimestamp('1678195398000')).to.equal('2023-03-07T13:23:18.000Z');
    expect(parseTimestamp('2023-03-07 14:23:18'), 'no zone, none configured: not guessed').to.equal(undefined);
    expect(parseTimestamp('2023-03-07 14:23:18', 'Europe/Prague')).to.equal('2023-03-07T13:23:18.000Z');
    expect(parseTimestamp('yesterday')).to.equal(undefined);
  });

  it('reads the 3CX server\'s times of the journal, and no time of year 1 (an unset .NET DateTime)', () => {
    expect(parsePbxTime('2025-03-11T06:12:04Z')).to.equal('2025-03-11T06:12:04.000Z');
    expect(parsePbxTime('0001-01-01T00:00:00Z')).to.equal(undefined);
    expect(parsePbxTime('2025-03-11T09:12:04'), 'local, no zone configured').to.equal(undefined);
    expect(parsePbxTime('2025-03-11T09:12:04', 'Europe/Istanbul')).to.equal('2025-03-11T06:12:04.000Z');
  });

  it('writes times and numbers the way both 3CX variants can be matched by', () => {
    expect(compactLocalTime('2025-03-13T16:07:22')).to.equal('250313160722');
    expect(compactLocalTime('13/03/2025 16:07')).to.equal(undefined);
    expect(isoToLocalTime('2025-03-13T13:07:22Z', 'Europe/Istanbul')).to.equal('2025-03-13T16:07:22');
    expect(isoToLocalTime('2025-07-13T13:07:22Z', 'Europe/Prague')).to.equal('2025-07-13T15:07:22');
    expect(numberKey('05301112299')).to.equal(numberKey('+90 530 111 22 99')).and.equal('301112299');
    expect(numberKey('202'), 'an extension').to.equal(undefined);
    expect(numberKey('MAKECALL')).to.equal(undefined);
  });

  it('converts a local time in a zone to UTC, summer time included', () => {
    expect(localTimeToIso('2023-03-07T14:23:18', 'Europe/Prague')).to.equal('2023-03-07T13:23:18.000Z');
    expect(localTimeToIso('2023-07-07T14:23:18', 'Europe/Prague')).to.equal('2023-07-07T12:23:18.000Z');
    expect(localTimeToIso('2023-03-07T14:23:18', 'America/New_York')).to.equal('2023-03-07T19:23:18.000Z');
    expect(localTimeToIso('2023-03-07T14:23:18', 'UTC')).to.equal('2023-03-07T14:23:18.000Z');
  });
});
