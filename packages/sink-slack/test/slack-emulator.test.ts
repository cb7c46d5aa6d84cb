import { describe, it, before, after, beforeEach } from 'mocha';
import { expect } from 'chai';
import { IncomingWebhook } from '@slack/webhook';
import { ErrorCode, WebClient } from '@slack/web-api';
import { SlackEmulator } from '@callrelay/testkit';

// The emulator the sink tests rely on must answer what Slack's own SDKs send, the way Slack does;
// otherwise the sink tests would prove agreement with a fiction.
describe('SlackEmulator, driven by the official Slack SDKs', () => {
  const emulator = new SlackEmulator({ channels: [{ id: 'C0ALERTS01', name: 'alerts' }, { id: 'C0OLD00001', name: 'old', archived: true }] });
  const client = () => new WebClient(SlackEmulator.DEFAULT_TOKEN, { slackApiUrl: emulator.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });

  before(async () => { await emulator.start(); });
  after(async () => { await emulator.stop(); });
  beforeEach(() => emulator.reset());

  it('accepts an IncomingWebhook post with "ok", and refuses an archived channel with 410 channel_is_archived', async () => {
    const result = await new IncomingWebhook(emulator.webhookUrl('alerts')).send({ text: 'hello', blocks: [{ type: 'divider' }] });
    expect(result.text).to.equal('ok');
    expect(emulator.messagesIn('alerts').map((m) => [m.via, m.text, m.blocks])).to.deep.equal([['webhook', 'hello', [{ type: 'divider' }]]]);
    const error = await new IncomingWebhook(emulator.webhookUrl('old')).send('hello').then(() => undefined, (err: unknown) => err);
    expect(error).to.include({ statusCode: 410, body: 'channel_is_archived' });
  });

  it('posts and updates a message sent form-encoded by WebClient, blocks as JSON text', async () => {
    const posted = await client().chat.postMessage({ channel: '#alerts', text: 'first', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*first*' } }] });
    expect(posted).to.deep.include({ ok: true, channel: 'C0ALERTS01' });
    const updated = await client().chat.update({ channel: 'C0ALERTS01', ts: posted.ts!, text: 'second' });
    expect(updated).to.deep.include({ ok: true, ts: posted.ts, text: 'second' });
    expect(emulator.messages.map((m) => [m.via, m.ts, m.text])).to.deep.equal([['chat.postMessage', posted.ts, 'first'], ['chat.update', posted.ts, 'second']]);
    expect(emulator.messages[0]!.blocks).to.deep.equal([{ type: 'section', text: { type: 'mrkdwn', text: '*first*' } }]);
    expect(emulator.requests[0]!.headers['content-type']).to.include('application/x-www-form-urlencoded');
  });

  it('reports errors as WebClient expects them: ok:false platform errors, and 429 with Retry-After', async () => {
    const platform = await client().chat.postMessage({ channel: 'old', text: 'x' }).catch((err: { code: string; data: { error: string } }) => err);
    expect(platform).to.deep.include({ code: ErrorCode.PlatformError });
    expect((platform as { data: { error: string } }).data.error).to.equal('is_archived');
    emulator.failNext(1, { status: 429, retryAfterSec: 4 }, { match: 'POST /api/chat.postMessage' });
    const limited = await client().chat.postMessage({ channel: 'alerts', text: 'x' }).catch((err: unknown) => err);
    expect(limited).to.include({ code: ErrorCode.RateLimitedError, retryAfter: 4 });
  });

  it('takes the token from a form field too, and answers not_authed without one', async () => {
    const post = (body: string) => fetch(`${emulator.apiUrl}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).then((r) => r.json());
    expect(await post(`token=${SlackEmulator.DEFAULT_TOKEN}&channel=alerts&text=hi`)).to.deep.include({ ok: true, channel: 'C0ALERTS01' });
    expect(await post('channel=alerts&text=hi')).to.deep.equal({ ok: false, error: 'not_authed' });
  });
});
