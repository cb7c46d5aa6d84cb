import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { isCredentialName, redactUrl, redactUrls, secret, z } from '@callrelay/core';
import {
  ConnectorRegistry, RuntimeMetrics, SinkWorker, createLogger, createRedactor, deliverySchema, parseConfig, registerBuiltins, type LoggerOptions,
} from '@callrelay/core/host';
import { MemoryStore, contractEvent } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';
import threeCx from '@callrelay/source-3cx';

/** A logger writing into an array of parsed lines. */
function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const destination = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const logger = createLogger({ level: 'debug', ...options, destination });
  const flushed = async () => {
    await new Promise((r) => setImmediate(r));
    return lines;
  };
  return { logger, flushed };
}

const memoryStore = {
  kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({ path: z.string().default('x') }),
  create: () => { throw new Error('not used'); },
} as const;
const load = (text: string) => parseConfig(text, {
  file: 'test.yaml', registry: registerBuiltins(new ConnectorRegistry()).register(jambonz, threeCx, memoryStore as never), env: {}, baseDir: '/tmp',
});

describe('redactUrl', () => {
  it('replaces the userinfo, user name included', () => {
    expect(redactUrl('https://bob:hunter2@crm.example.com/hooks?x=1')).to.equal('https://[redacted]@crm.example.com/hooks?x=1');
    expect(redactUrl('https://sk_live_abc@api.example.com/')).to.equal('https://[redacted]@api.example.com/');
  });

  it('replaces the values of credential parameters in the query and the fragment, and nothing else', () => {
    expect(redactUrl('https://h/p?apikey=A&api_key=B&key=C&token=D&access_token=E&secret=F&signature=G&sig=H&password=I&pass=J&auth=K&call=42'))
      .to.equal('https://h/p?apikey=[redacted]&api_key=[redacted]&key=[redacted]&token=[redacted]&access_token=[redacted]&secret=[redacted]&signature=[redacted]&sig=[redacted]&password=[redacted]&pass=[redacted]&auth=[redacted]&call=42');
    expect(redactUrl('https://s3.example.com/r.wav?X-Amz-Credential=AK&X-Amz-Signature=ab12&X-Amz-Expires=60'))
      .to.equal('https://s3.example.com/r.wav?X-Amz-Credential=[redacted]&X-Amz-Signature=[redacted]&X-Amz-Expires=60');
    expect(redactUrl('https://app.example.com/cb#access_token=xyz&state=1')).to.equal('https://app.example.com/cb#access_token=[redacted]&state=1');
  });

  it('leaves a URL without credentials, and text that is not a URL, exactly as written', () => {
    for (const text of ['https://h/p%20q?callId=a%2Fb&from=%2B1415', 'not a url', 'mailto:x@example.com', 'http://[::1]:8080/hooks/pbx']) {
      expect(redactUrl(text)).to.equal(text);
    }
  });

  it('names credentials by their parameter name in any spelling', () => {
    for (const name of ['apiKey', 'API-KEY', 'x-api-key', 'client_secret', 'refreshToken', 'auth_token', 'subscription-key', 'Password']) expect(isCredentialName(name), name).to.equal(true);
    for (const name of ['callId', 'from', 'to', 'page', 'status', 'CallSid', 'limit']) expect(isCredentialName(name), name).to.equal(false);
  });

  it('finds every URL in a text and keeps the words around them', () => {
    expect(redactUrls('posting to https://u:p@a.example/x?token=t failed; see http://b.example/?apikey=k.'))
      .to.equal('posting to https://[redacted]@a.example/x?token=[redacted] failed; see http://b.example/?apikey=[redacted].');
  });
});

describe('createRedactor', () => {
  it('replaces secret values as written, JSON-escaped and percent-encoded, the longest first', () => {
    const redactor = createRedactor(['pa"ss/word+1', 'tok-123456', 'tok-1234567890']);
    expect(redactor.text('a pa"ss/word+1 b')).to.equal('a [redacted] b');
    expect(redactor.json(JSON.stringify({ m: 'x pa"ss/word+1 y' }))).to.equal('{"m":"x [redacted] y"}');
    expect(redactor.text('https://h/?q=pa%22ss%2Fword%2B1')).to.equal('https://h/?q=[redacted]');
    expect(redactor.text('tok-1234567890')).to.equal('[redacted]');
  });

  it('replaces a short secret only where it is a whole JSON value, not inside words', () => {
    const redactor = createRedactor(['p']);
    expect(redactor.text('plain text with p')).to.equal('plain text with p');
    expect(redactor.json('{"password":"p","p":"kept","list":["p","q"],"msg":"a \\"p\\" b"}'))
      .to.equal('{"password":"[redacted]","p":"kept","list":["[redacted]","q"],"msg":"a \\"p\\" b"}');
  });
});

describe('secrets in logs', () => {
  it('a webhook URL with user:password@ and ?apikey= is not printed whole in the dead-letter warn log', async () => {
    // The bug: fetch refuses a URL with credentials and quotes it whole in its message, which became
    // the delivery's reason, logged at warn and shown by `callrelay dlq list`.
    const { logger, flushed } = capture();
    const store = new MemoryStore();
    const sink = { deliver: () => fetch('https://bob:hunter2@127.0.0.1:9/hooks?apikey=k-12345&page=2').then(() => undefined) };
    const worker = new SinkWorker('crm', sink, store.deliveries('crm'), deliverySchema.parse({ maxAttempts: 1 }), {
      deadLetters: store.deadLetters, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger, now: Date.now,
    });
    worker.start();
    const event = contractEvent();
    await store.deliveries('crm').enqueue([{ id: `p/crm/${event.id}`, payload: { sinkId: 'crm', pipeline: 'p', event } }]);
    for (let i = 0; i < 200 && (await store.deadLetters.list()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop(100);
    const lines = (await flushed()).join('');
    expect(lines).to.include('delivery dead-lettered');
    expect(lines).to.include('https://[redacted]@127.0.0.1:9/hooks?apikey=[redacted]&page=2');
    expect(lines).to.not.include('hunter2');
    expect(lines).to.not.include('k-12345');
  });

  it('the 3CX auth.token.value no longer redacts every log field named value; the token is redacted wherever it appears', async () => {
    const config = await load('sources:\n  cx: { type: 3cx, auth: { token: { value: "tok-3cx-0123456789" } } }\n');
    expect(config.secretKeys).to.deep.equal(['sources.cx.auth.token.value']);
    const { logger, flushed } = capture({ secretKeys: config.secretKeys, secretValues: config.secretValues });
    logger.info({ value: 'agent 102', field: { value: 42 } }, 'parsed');
    logger.warn({ url: '/hooks/cx?token=tok-3cx-0123456789&Id=1' }, 'refused tok-3cx-0123456789');
    logger.info({ sources: { cx: { auth: { token: { value: 'tok-3cx-0123456789' } } } } }, 'config');
    const [parsed, refused, section] = (await flushed()).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).to.deep.include({ value: 'agent 102', field: { value: 42 } });
    expect(refused).to.deep.include({ url: '/hooks/cx?token=[redacted]&Id=1', msg: 'refused [redacted]' });
    expect(section!.sources).to.deep.equal({ cx: { auth: { token: { value: '[redacted]' } } } });
  });

  it('starts with any secret path (a header name with a quote has no pino path: its value is still redacted)', async () => {
    const { logger, flushed } = capture({ secretKeys: ['sinks.crm.headers.x"y', 'sinks.my-crm.headers.x-api-key'], secretValues: ['hdr-secret-98765'] });
    logger.info({ sinks: { 'my-crm': { headers: { 'x-api-key': 'k', other: 'hdr-secret-98765' } } } }, 'config');
    const [line] = await flushed();
    expect(JSON.parse(line!).sinks).to.deep.equal({ 'my-crm': { headers: { 'x-api-key': '[redacted]', other: '[redacted]' } } });
  });

  it('redacts credential headers, error messages and stacks', async () => {
    const { logger, flushed } = capture({ secretValues: ['whsec_c2VjcmV0LXZhbHVl'] });
    logger.error({ headers: { authorization: 'Basic Ym9iOmh1bnRlcjI=', 'x-api-key': 'k' }, err: new Error('signing with whsec_c2VjcmV0LXZhbHVl failed') }, 'boom');
    const [line] = await flushed();
    const parsed = JSON.parse(line!) as { headers: Record<string, string>; err: { message: string; stack: string } };
    expect(parsed.headers).to.deep.equal({ authorization: '[redacted]', 'x-api-key': '[redacted]' });
    expect(parsed.err.message).to.equal('signing with [redacted] failed');
    expect(parsed.err.stack).to.not.include('whsec_');
  });
});

describe('secrets in config errors', () => {
  it('a secret that fails validation is named by its path, never echoed', async () => {
    const tokenSink = {
      kind: 'sink', type: 'chat', apiVersion: PLUGIN_API_VERSION, description: 'test',
      config: z.object({ token: secret(z.string().regex(/^xox[a-z]-/, 'a token such as xoxb-...')), url: z.url().optional() }),
      create: () => { throw new Error('not used'); },
    } as const;
    const registry = registerBuiltins(new ConnectorRegistry()).register(tokenSink as never, memoryStore as never);
    try {
      await parseConfig('sinks:\n  chat: { type: chat, token: "xapp-1-A0-pasted-the-wrong-secret", url: "https://u:pw@h/?apikey=k1" }\n  other: { type: chat, token: 42 }\n', {
        file: 'test.yaml', registry, env: {}, baseDir: '/tmp',
      });
      expect.fail('expected a config error');
    } catch (err) {
      const issues = (err as { issues: { path: string; found?: string }[] }).issues;
      expect(issues.find((i) => i.path === 'sinks.chat.token')?.found, JSON.stringify(issues)).to.equal('string (secret, not shown)');
      expect(issues.find((i) => i.path === 'sinks.other.token')?.found).to.equal('number (secret, not shown)');
      expect((err as Error).message).to.not.include('pasted-the-wrong-secret');
    }
  });

  it('a URL that fails validation is shown without its credentials', async () => {
    const urlSink = {
      kind: 'sink', type: 'post', apiVersion: PLUGIN_API_VERSION, description: 'test',
      config: z.object({ url: z.url({ protocol: /^https$/ }) }),
      create: () => { throw new Error('not used'); },
    } as const;
    const registry = registerBuiltins(new ConnectorRegistry()).register(urlSink as never, memoryStore as never);
    try {
      await parseConfig('sinks:\n  crm: { type: post, url: "http://bob:hunter2@crm.example.com/?apikey=k1" }\n', { file: 'test.yaml', registry, env: {}, baseDir: '/tmp' });
      expect.fail('expected a config error');
    } catch (err) {
      const issue = (err as { issues: { path: string; found?: string }[] }).issues.find((i) => i.path === 'sinks.crm.url');
      expect(issue?.found).to.equal('string "http://[redacted]@crm.example.com/?apikey=[redacted]"');
    }
  });
});
