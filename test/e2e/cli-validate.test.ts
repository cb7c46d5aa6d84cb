import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/callrelay-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-validate-'));
const file = (name: string, text: string) => {
  const full = path.join(dir, name);
  writeFileSync(full, text);
  return full;
};

describe('callrelay validate', function () {
  this.timeout(30_000);

  it('prints all three mistakes of a file with their line numbers and exits 2', async () => {
    const config = file('three-mistakes.yaml', [
      'sources:',
      '  pbx:',
      '    type: jambonz',
      '    auth: none',
      'sinks:',
      '  alerts:',
      '    type: console',
      '    format: yaml',               // line 8: not an allowed format
      'pipelines:',
      '  missed:',
      '    from: [pbx]',
      '    to: [alertz]',               // line 12: unknown sink id
      'server:',
      '  port: eighty',                // line 14: not a number
      '',
    ].join('\n'));
    const result = await runCli(['validate', config]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/3 errors in /);
    expect(result.stderr).to.match(new RegExp(`three-mistakes\\.yaml:8:\\d+: sinks\\.alerts\\.format`));
    expect(result.stderr).to.match(/three-mistakes\.yaml:12:\d+: pipelines\.missed\.to/);
    expect(result.stderr).to.match(/three-mistakes\.yaml:14:\d+: server\.port/);
  });

  it('names an unknown connector type and lists the installed ones', async () => {
    const config = file('unknown.yaml', 'sources:\n  pbx:\n    type: asterisk\n    auth: none\nsinks:\n  out:\n    type: console\npipelines:\n  all:\n    from: [pbx]\n    to: [out]\n');
    const result = await runCli(['validate', config]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/unknown\.yaml:3:\d+: sources\.pbx\.type: unknown source type "asterisk"/);
    expect(result.stderr).to.match(/installed sources: .*jambonz/);
  });

  it('names an npm package that is not installed and says what to do', async () => {
    const config = file('package.yaml', 'sources:\n  pbx:\n    type: "@acme/callrelay-source-nope"\nsinks:\n  out:\n    type: console\npipelines:\n  all:\n    from: [pbx]\n    to: [out]\n');
    const result = await runCli(['validate', config]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('@acme/callrelay-source-nope');
    expect(result.stderr).to.match(/npm install/);
  });

  it('accepts the quickstart file and exits 0', async () => {
    const result = await runCli(['validate', 'examples/quickstart/callrelay.yaml']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/is valid: 1 source\(s\), 2 sink\(s\), 1 pipeline\(s\), store sqlite/);
  });

  it('reports a file that does not exist, or YAML that does not parse, with exit 2', async () => {
    expect((await runCli(['validate', path.join(dir, 'missing.yaml')])).code).to.equal(2);
    const broken = await runCli(['validate', file('broken.yaml', 'sources:\n  pbx: [unclosed\n')]);
    expect(broken.code).to.equal(2);
    expect(broken.stderr).to.match(/broken\.yaml:\d+:\d+/);
  });

  it('prints a JSON Schema that covers every installed connector', async () => {
    const result = await runCli(['schema']);
    expect(result.code, result.stderr).to.equal(0);
    const schema = JSON.parse(result.stdout);
    const sources = JSON.stringify(schema.properties.sources);
    expect(sources).to.include('"const":"jambonz"');
    expect(JSON.stringify(schema.properties.sinks)).to.include('"const":"console"');
  });
});
