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

  it('refuses the typo of issue 10, `when: { type: mised, direcion: inbound }`, with line, column, the valid values and a did-you-mean', async () => {
    const config = file('when-typo.yaml', [
      'sources:',
      '  pbx:',
      '    type: jambonz',
      '    auth: none',
      'sinks:',
      '  alerts:',
      '    type: console',
      'pipelines:',
      '  missed:',
      '    from: [pbx]',
      '    when: { type: mised, direcion: inbound }', // line 11: `mised` at column 19, `direcion` at 26
      '    to: [alerts]',
      '',
    ].join('\n'));
    const result = await runCli(['validate', config]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/2 errors in .*when-typo\.yaml:/);
    expect(result.stderr).to.include(
      'when-typo.yaml:11:19: pipelines.missed.when.type: unknown type "mised" '
      + '(expected one of started, ringing, answered, transferred, ended, recording, missed, completed, called_back, unknown, found string "mised") [CONFIG_WHEN_UNKNOWN_VALUE]\n'
      + '    hint: did you mean "missed"?',
    );
    const field = /when-typo\.yaml:11:26: pipelines\.missed\.when\.direcion: unknown event field "direcion" \(expected (.*)\) \[CONFIG_WHEN_UNKNOWN_FIELD\]\n {4}hint: did you mean "direction"\?/.exec(result.stderr);
    expect(field, result.stderr).to.not.equal(null);
    for (const path of ['type', 'direction', 'outcome', 'from.{raw, e164, extension, kind, name}', 'agent.{', 'talkSeconds', 'details.<any key>']) expect(field![1]).to.include(path);
  });

  it('reports a missing from together with an unknown sink in to of the same pipeline', async () => {
    const config = file('no-from.yaml', 'sources:\n  pbx:\n    type: jambonz\n    auth: none\nsinks:\n  alerts:\n    type: console\npipelines:\n  missed:\n    to: [alertz]\n');
    const result = await runCli(['validate', config]);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/2 errors in /);
    expect(result.stderr).to.match(/no-from\.yaml:9:3: pipelines\.missed\.from: required key is missing/);
    expect(result.stderr).to.match(/no-from\.yaml:10:10: pipelines\.missed\.to\.0: no sink with id "alertz" \[CONFIG_UNKNOWN_SINK\]\n {4}hint: did you mean "alerts"\?/);
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
