import { describe, it } from 'mocha';
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createLogger } from '@callrelay/core/host';
import { prettyLogLines, wantsPrettyLogs } from '../src/log-format.js';

describe('log format', () => {
  it('pretty lines are human-formatted and redacted like JSON lines', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    const logger = createLogger({ level: 'info', secretValues: ['file-secret-4711', 'pw'], formatLine: prettyLogLines(false), destination: out });
    logger.warn({ source: 'pbx', password: 'pw', headers: { authorization: 'Basic abc' }, url: 'https://h.example/x?token=t0k3n' }, 'login with file-secret-4711 refused');
    logger.info({ nested: { deep: { value: 'file-secret-4711' } } }, 'second line');
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text.trimEnd().split('\n');
    expect(lines).to.have.length(2);
    for (const line of lines) expect(() => JSON.parse(line), line).to.throw();
    expect(lines[0]).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: login with \[redacted\] refused /);
    expect(lines[0]).to.contain('"source":"pbx"').and.contain('token=[redacted]');
    expect(lines[1]).to.match(/INFO: second line/);
    for (const secret of ['file-secret-4711', 't0k3n', 'Basic abc', '"pw"']) expect(text).not.to.contain(secret);
  });

  it('defaults to pretty in a terminal outside production, JSON elsewhere; log.pretty decides when set', () => {
    expect(wantsPrettyLogs(undefined, { isTTY: true }, {})).to.equal(true);
    expect(wantsPrettyLogs(undefined, { isTTY: true }, { NODE_ENV: 'production' })).to.equal(false);
    expect(wantsPrettyLogs(undefined, { isTTY: false }, {})).to.equal(false);
    expect(wantsPrettyLogs(undefined, {}, {})).to.equal(false);
    expect(wantsPrettyLogs(true, { isTTY: false }, { NODE_ENV: 'production' })).to.equal(true);
    expect(wantsPrettyLogs(false, { isTTY: true }, {})).to.equal(false);
  });
});
