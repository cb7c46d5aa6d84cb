import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { basicAuth, eventually, REPO_ROOT, startCallrelay } from '../support/callrelay-process.js';

/** `log.pretty: true`: a run's log lines are written for people, and stay redacted. */
describe('callrelay run with log.pretty', function () {
  this.timeout(60_000);

  it('writes human-readable lines, not JSON, on stdout (and a refused webhook reads as such)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-pretty-'));
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, `${readFileSync(path.join(REPO_ROOT, 'examples', 'quickstart', 'callrelay.yaml'), 'utf8')}\nlog:\n  pretty: true\n`);
    const node = await startCallrelay(config, { PORT: '0', CALLRELAY_DB: path.join(dir, 'q.db'), CSV_PATH: path.join(dir, 'c.csv'), JAMBONZ_PASSWORD: 'pretty-secret-1234' });
    try {
      const response = await fetch(`${node.url}/hooks/jambonz`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth('jambonz', 'wrong') }, body: '{}' });
      expect(response.status).to.equal(401);
      const out = await eventually(() => (node.stdout().includes('webhook refused') ? node.stdout() : undefined), 20_000, 'the refusal logged');
      const lines = out.split('\n').filter((line) => /\] (INFO|WARN):/.test(line));
      expect(lines.find((line) => line.includes('callrelay started'))).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: callrelay started /);
      expect(lines.find((line) => line.includes('webhook refused'))).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: webhook refused .*"reason":"wrong Basic auth credentials"/);
      for (const line of out.split('\n').filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line), `a JSON line: ${line}`).to.throw();
      expect(out).not.to.contain('pretty-secret-1234');
    } finally {
      expect(await node.kill('SIGTERM')).to.equal(0);
    }
  });
});
