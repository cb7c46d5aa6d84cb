import { describe, it } from 'mocha';
import { expect } from 'chai';
import { hasErrorCode } from '@callrelay/core';
import { makeWebhook } from '@callrelay/testkit';
import { decodeRequest, parseLooseForm } from '@callrelay/source-3cx';
import { fixture } from './helpers.js';

const decode = (input: Parameters<typeof makeWebhook>[0], ignore: string[] = ['token']) => decodeRequest(makeWebhook(input), ignore);

function badRequestReason(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(hasErrorCode(err, 'WEBHOOK_BAD_REQUEST'), String(err)).to.equal(true);
    return (err as Error).message;
  }
  throw new Error('expected a bad request');
}

describe('3cx request decoding', () => {
  it('repairs the seed JSON with a missing opening quote and says so', () => {
    const body = fixture('json-queue-answered').requests[3]!.body!;
    expect(body).to.include('"Callerid": 05552221133"');
    const decoded = decode({ body, contentType: 'application/json' });
    expect(decoded).to.deep.include({ kind: 'params', encoding: 'json', repaired: true });
    expect(decoded.kind === 'params' && decoded.params).to.include({ Callerid: '05552221133', Id: '230307114903_10-1' });
  });

  it('repairs the truncated id without quote of the seed outgoing call, keeping its digits as sent', () => {
    const body = fixture('json-outgoing-answered').requests[2]!.body!;
    const decoded = decode({ body, contentType: 'application/json' });
    expect(decoded.kind === 'params' && decoded.repaired).to.equal(true);
    expect(decoded.kind === 'params' && decoded.params.Id).to.equal('30307135611_31-1');
  });

  it('does not flag valid JSON as repaired', () => {
    const decoded = decode({ body: fixture('json-queue-missed').requests[0]!.body!, contentType: 'application/json' });
    expect(decoded.kind === 'params' && decoded.repaired).to.equal(false);
  });

  it('reads the form variant with its unencoded spaces, colons and parentheses', () => {
    const decoded = decode({ body: fixture('form-queue-answered').requests[4]!.body!, contentType: 'application/x-www-form-urlencoded' });
    expect(decoded.kind === 'params' && decoded.params).to.deep.include({
      event: 'incoming', finishtype: 'Ok', title: 'DID-420222000320:Answered call from 420774852629 (0:07)', id: '230102104542_15-1', did: 'DID-420222000320',
    });
  });

  it('reads a form whatever the Content-Type says (a form sent as JSON or text/plain)', () => {
    for (const contentType of ['application/json', 'text/plain', '']) {
      const decoded = decode({ body: 'event=ringing&id=230102104542_15-0', contentType });
      expect(decoded, contentType).to.deep.include({ kind: 'params', encoding: 'form' });
    }
  });

  it('reads the query string of a GET, leaving the token out', () => {
    const decoded = decode({ method: 'GET', query: 'event=ringing&callerid=420774852629&user=800&usertype=other&id=230102104542_15-0&token=abc' });
    expect(decoded).to.deep.include({ kind: 'params', encoding: 'query' });
    expect(decoded.kind === 'params' && decoded.params).to.deep.equal({ event: 'ringing', callerid: '420774852629', user: '800', usertype: 'other', id: '230102104542_15-0' });
  });

  it('takes the bare recording URL of the form variant as a recording, whatever the Content-Type', () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', '']) {
      expect(decode({ body: 'https://3CXDQDN:5001/webapi/recording/230102185935_18-1-1.mp3\n', contentType }))
        .to.deep.equal({ kind: 'recording-url', url: 'https://3CXDQDN:5001/webapi/recording/230102185935_18-1-1.mp3' });
    }
  });

  it('refuses bodies it cannot understand, with a reason', () => {
    expect(badRequestReason(() => decode({ body: 'hello', contentType: 'text/plain' }))).to.match(/neither JSON, a form/);
    expect(badRequestReason(() => decode({ body: '[1,2]', contentType: 'application/json' }))).to.match(/an array/);
    expect(badRequestReason(() => decode({ body: '"text"', contentType: 'application/json' }))).to.match(/neither JSON/);
    expect(badRequestReason(() => decode({ body: '', contentType: 'application/json' }))).to.match(/empty body/);
    expect(badRequestReason(() => decode({ method: 'GET', query: 'token=abc' }))).to.match(/no query parameters/);
    expect(badRequestReason(() => decode({ body: '\u0000\u0001', contentType: 'application/json' }))).to.match(/neither JSON/);
  });
});

describe('3cx loose form parser', () => {
  it('keeps the + of an international number that the add-on does not encode', () => {
    expect(parseLooseForm('callerid=+420774852629&title=Missed call from +420774852629')).to.deep.equal({ callerid: '+420774852629', title: 'Missed call from +420774852629' });
  });

  it('decodes properly encoded forms too (+ and %20 as spaces, %2B as +)', () => {
    expect(parseLooseForm('title=Answered+call%20from+%2B420774852629&callerid=%2B420774852629')).to.deep.equal({ title: 'Answered call from +420774852629', callerid: '+420774852629' });
  });

  it('keeps a literal % and ignores parts without a key', () => {
    expect(parseLooseForm('title=50% of calls&=x&novalue&event=ringing')).to.deep.equal({ title: '50% of calls', event: 'ringing' });
    expect(parseLooseForm('no pairs here')).to.equal(undefined);
  });
});
