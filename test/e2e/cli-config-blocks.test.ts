import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/callrelay-process.js';

describe('callrelay validate: shared config building blocks', function () {
  this.timeout(30_000);

  it('allowIps ["10.0.0.300/99"] no longer passes validate: every source names the entry with its line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-blocks-'));
    const config = path.join(dir, 'callrelay.yaml');
    writeFileSync(config, [
      'sources:',
      '  pbx: { type: jambonz, auth: { basic: { username: u, password: "${PBX_PASSWORD:-x}" }, allowIps: ["10.0.0.300/99"] } }',
      '  sw: { type: signalwire, auth: { signingKey: k, allowIps: ["10.0.0.0/33"] } }',
      '  impact: { type: impactpbx, auth: { allowIps: [] } }',
      '  cx: { type: 3cx, auth: { allowIps: ["203.0.113.10"] }, timeZone: Europe/Praha }',
      'sinks:',
      '  log: { type: csv, path: calls.csv, timeZone: Mars/Olympus }',
      '',
    ].join('\n'));
    const result = await runCli(['validate', config]);
    expect(result.code).to.equal(2);
    const out = result.stderr;
    expect(out).to.include('callrelay.yaml:2:').and.include('sources.pbx.auth.allowIps.0: an IP address or CIDR range');
    expect(out).to.include('callrelay.yaml:3:').and.include('sources.sw.auth.allowIps.0: an IP address or CIDR range');
    expect(out).to.include('sources.impact.auth.allowIps: list at least one address or range');
    expect(out).to.include('sources.cx.timeZone: an IANA time zone');
    expect(out).to.include('sinks.log.timeZone: an IANA time zone');
    expect(out).to.include('5 errors');
  });
});
