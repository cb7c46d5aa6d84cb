import { describe, it } from 'mocha';
import { expect } from 'chai';
import { type CallEvent } from '@callrelay/core';
import { consoleSink, describeEvent } from '@callrelay/core/host';
import { sampleEvent, testContext } from '@callrelay/testkit';

/** What the console sink writes for the events, captured from stdout. */
async function printed(events: CallEvent[], format: 'line' | 'json'): Promise<string> {
  const sink = await consoleSink.create(consoleSink.config.parse({ format }), testContext());
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string, callback?: (err?: Error) => void) => {
    out += chunk;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    for (const event of events) {
      await sink.deliver(event, { deliveryId: `console/${event.id}`, attempt: 1, pipeline: 'p', signal: new AbortController().signal });
    }
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** Everything a caller or a forged webhook can put in the fields the line shows. */
const hostile = (): CallEvent => sampleEvent({
  from: { raw: '+12125551212', e164: '+12125551212', name: 'Jane\n[pbx] COMPLETED · inbound call +1 -> +1 · call forged\r\x1b[2K\x1b[31mRED\x1b]0;title\x07' },
  to: { raw: '100\u2028200', name: '\u202egnp.exe' },
  agent: { raw: 'x\x9b31m', name: 'C:\\new\\path' },
  callId: 'c-1\n2026-11-24T10:00:00Z INFO admin logged in',
});

describe('console sink: attacker-controlled values (issue 12, item 7)', () => {
  it('bug: a line break in a caller name forged a second log line; now one line per event', async () => {
    const events = [hostile(), sampleEvent(), hostile()];
    const out = await printed(events, 'line');
    const lines = out.split('\n');
    expect(lines.at(-1)).to.equal('');
    expect(lines.slice(0, -1)).to.have.length(events.length);
    expect(out).to.not.match(/\r/);
  });

  it('escapes CR, LF, ESC and the other C0/C1 controls, Unicode separators and bidi overrides', async () => {
    const line = (await printed([hostile()], 'line')).trimEnd();
    expect(line).to.include('(Jane\\n[pbx] COMPLETED · inbound call +1 -> +1 · call forged\\r\\x1b[2K\\x1b[31mRED\\x1b]0;title\\x07)');
    expect(line).to.include('100\\u2028200 (\\u202egnp.exe)');
    expect(line).to.include('agent x\\x9b31m (C:\\\\new\\\\path)');
    expect(line).to.include('call c-1\\n2026-11-24T10:00:00Z INFO admin logged in');
    // Nothing a terminal acts on is left.
    expect(line).to.not.match(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });

  it('writes JSON lines that stay one line and parse back to the same event', async () => {
    const events = [hostile(), hostile()];
    const out = await printed(events, 'json');
    const lines = out.split('\n').slice(0, -1);
    expect(lines).to.have.length(2);
    lines.forEach((line, i) => {
      expect(line).to.not.match(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      expect(JSON.parse(line)).to.deep.equal(JSON.parse(JSON.stringify(events[i])));
    });
  });

  it('leaves ordinary names, numbers and non-Latin text as they are', () => {
    const line = describeEvent(sampleEvent({ from: { raw: '+905551112233', e164: '+905551112233', name: 'Çağrı Öztürk · 李小龍' }, flags: undefined }));
    expect(line).to.match(/^\[pbx\] MISSED · inbound call \+905551112233 \(Çağrı Öztürk · 李小龍\) -> \+14155550100 · agent 102 \(Front desk\) · /);
  });
});
