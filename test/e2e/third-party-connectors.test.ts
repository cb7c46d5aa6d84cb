import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLUGIN_API_VERSION } from '@callrelay/core';
import { loadFixture, FIXTURES_DIR } from '@callrelay/fixtures';
import { REPO_ROOT, basicAuth, eventually, runCli, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { TeamsEmulator } from '../../examples/teams-sink/test/teams-emulator.js';

const TEAMS = 'callrelay-sink-teams';
const EXAMPLE = 'examples/teams-sink/callrelay.yaml';

/**
 * Installed third-party connectors, through the built CLI: the Teams example (an npm workspace, so
 * `node_modules/callrelay-sink-teams` links to it) is discovered, documented, validated and run by
 * package name; packages built for another plugin API are refused with an error that says what to upgrade.
 */
describe('third-party connectors: discovery, the Teams example, refusal', function () {
  this.timeout(90_000);

  it('connectors lists callrelay-sink-teams as third-party, with its version, next to the bundled ones', async () => {
    const result = await runCli(['connectors']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^sink\s+callrelay-sink-teams\s+Posts an Adaptive Card .*\[third-party: callrelay-sink-teams@0\.1\.0\]$/m);
    expect(result.stdout).to.match(/^sink\s+slack\s/m);
    expect(result.stdout).not.to.match(/third-party: @callrelay\//);

    const json = JSON.parse((await runCli(['connectors', '--json'])).stdout) as { type: string; origin: string; package?: string; version?: string }[];
    expect(json.find((c) => c.type === TEAMS)).to.include({ origin: 'third-party', package: TEAMS, version: '0.1.0' });
    expect(json.find((c) => c.type === 'slack')).to.include({ origin: 'bundled' });
  });

  it('connectors callrelay-sink-teams gives its config reference', async () => {
    const result = await runCli(['connectors', TEAMS]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/webhookUrl: string \(required, secret\)/);
    expect(result.stdout).to.match(/events: .* \(optional, default \["missed"\]\)/);
    expect(result.stdout).to.match(/timeZone: string \(optional, default "UTC"\)/);
  });

  it('schema includes it, with the package name as its type', async () => {
    const result = await runCli(['schema']);
    expect(result.code, result.stderr).to.equal(0);
    const schema = JSON.parse(result.stdout) as { properties: { sinks: { additionalProperties: { anyOf: { title: string; properties: Record<string, { const?: string }>; required?: string[] }[] } } } };
    const teams = schema.properties.sinks.additionalProperties.anyOf.find((s) => s.title === `sink ${TEAMS}`);
    expect(teams, 'a variant for the Teams sink').to.not.equal(undefined);
    expect(teams!.properties.type!.const).to.equal(TEAMS);
    expect(Object.keys(teams!.properties)).to.include.members(['webhookUrl', 'events', 'title', 'timeZone', 'delivery']);
    expect(teams!.required).to.include('webhookUrl');
  });

  it('a mistyped --dir is an error (exit 2), not a listing without the installed packages', async () => {
    for (const command of ['connectors', 'schema']) {
      const result = await runCli([command, '--dir', path.join(REPO_ROOT, 'examples', 'teams-sinc')]);
      expect(result.code, `${command}: ${result.stdout}`).to.equal(2);
      expect(result.stderr).to.include('teams-sinc: no such folder');
      expect(result.stdout).to.equal('');
    }
  });

  it('validate passes on the Teams example', async () => {
    const result = await runCli(['validate', EXAMPLE], { TEAMS_WEBHOOK_URL: 'https://example.invalid/workflows/x' });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include('is valid: 1 source(s), 1 sink(s), 1 pipeline(s)');
  });

  describe('run: a jambonz missed call reaches a Teams Workflows webhook as an Adaptive Card', () => {
    const teams = new TeamsEmulator('workflows');
    const scratch = mkdtempSync(path.join(tmpdir(), 'callrelay-teams-run-'));
    let node: CallrelayProcess | undefined;
    after(async () => {
      await node?.kill('SIGTERM');
      await teams.stop();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('posts one card with the caller escaped and a tel: call-back button', async () => {
      node = await startCallrelay(EXAMPLE, { PORT: '0', CALLRELAY_DB: path.join(scratch, 'db.sqlite'), TEAMS_WEBHOOK_URL: await teams.start(), LOG_LEVEL: 'warn' });
      // The recorded jambonz scenario, with a caller name that tries Markdown and a link.
      const fixture = loadFixture(path.join(FIXTURES_DIR, 'jambonz', 'status-missed-caller-hangup.json'));
      for (const request of fixture.requests) {
        const body = request.body!.replaceAll('"Jane Roe"', JSON.stringify('**Jane** [call me](https://evil.example)'));
        const res = await fetch(`${node.url}/hooks/jambonz`, { method: 'POST', headers: { 'content-type': request.contentType!, authorization: basicAuth('jambonz', 'quickstart') }, body });
        expect(res.status, await res.text()).to.equal(200);
      }
      const posted = await eventually(() => (teams.posted.length ? teams.posted : undefined), 20_000, 'a card posted to Teams');
      await new Promise((r) => setTimeout(r, 500)); // a second card would show up here
      expect(teams.posted).to.have.length(1);
      expect(teams.requests.map((r) => r.status)).to.deep.equal([202]);
      const { card } = posted[0]!;
      expect(card.version).to.equal('1.4');
      expect(card.body[0]).to.include({ type: 'TextBlock', text: 'Missed call' });
      expect(card.body[1]).to.include({ text: '\\*\\*Jane\\*\\* \\[call me\\]\\(https://evil.example\\) · +1 212 555 1212' });
      expect(JSON.stringify(card.body[2])).to.include('"title":"Called","value":"+1 415 555 1234"');
      expect(JSON.stringify(card.body[2])).to.match(/"title":"Time","value":"\w{3} \d+ \w{3} \d{4}, \d\d:\d\d \(America\/New_York\)"/);
      expect(card.actions).to.deep.equal([{ type: 'Action.OpenUrl', title: 'Call back', url: 'tel:+12125551212' }]);
    });
  });

  describe('refused and broken packages (connectors --dir, validate)', () => {
    let dir = '';
    const pkg = (name: string, manifest: Record<string, unknown>, index: string) => {
      const folder = path.join(dir, 'node_modules', ...name.split('/'));
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', main: 'index.js', ...manifest }));
      writeFileSync(path.join(folder, 'index.js'), index);
    };
    // What defineSink of another @callrelay/core wrote: a plain definition, no import needed.
    const definition = (type: string, range: string) =>
      `export default { kind: 'sink', type: '${type}', apiVersion: '${range.slice(1)}.0.0', pluginApi: '${range}', description: 'x', config: {}, create() {} };\n`;
    const keywords = ['callrelay-plugin', 'callrelay-sink'];
    const oldMessage = `connector callrelay-sink-old (sink "old") supports plugin API ^1, this callrelay implements plugin API ${PLUGIN_API_VERSION}; ` +
      'upgrade callrelay-sink-old to a release that supports plugin API 2.x (or use a callrelay release whose plugin API is ^1)';
    const futureMessage = `connector @acme/callrelay-sink-future (sink "future") supports plugin API ^3, this callrelay implements plugin API ${PLUGIN_API_VERSION}; ` +
      'upgrade callrelay to a release whose plugin API satisfies ^3';

    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'callrelay-plugins-'));
      pkg('callrelay-sink-old', { keywords }, definition('old', '^1'));
      pkg('@acme/callrelay-sink-future', { keywords }, definition('future', '^3'));
      pkg('callrelay-sink-broken', { keywords }, "throw new Error('cannot start: missing native module');\n");
      pkg('left-pad-ish', { keywords: ['string'] }, 'export default 1;\n');
      // The Teams example installed here too (as `npm install` of a local folder links it).
      symlinkSync(path.join(REPO_ROOT, 'examples', 'teams-sink'), path.join(dir, 'node_modules', TEAMS), 'dir');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('connectors --dir lists the usable ones (exit 0) and prints each refused package with its error on stderr', async () => {
      const result = await runCli(['connectors', '--dir', dir]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^sink\s+callrelay-sink-teams\s.*\[third-party: callrelay-sink-teams@0\.1\.0\]$/m);
      expect(result.stdout).not.to.match(/old|future|broken|left-pad/);
      const refused = result.stderr.trim().split('\n');
      expect(refused).to.have.length(3);
      expect(refused).to.include(`refused: callrelay-sink-old@1.2.3 (${path.join(dir, 'node_modules', 'callrelay-sink-old')}): CONNECTOR_API_MISMATCH: ${oldMessage}`);
      expect(refused).to.include(`refused: @acme/callrelay-sink-future@1.2.3 (${path.join(dir, 'node_modules', '@acme', 'callrelay-sink-future')}): CONNECTOR_API_MISMATCH: ${futureMessage}`);
      expect(refused.find((l) => l.startsWith('refused: callrelay-sink-broken@1.2.3'))).to.match(/CONNECTOR_LOAD_FAILED: loading connector package callrelay-sink-broken: cannot start: missing native module$/);
    });

    it('connectors --dir --json includes the refused packages with their error', async () => {
      const result = await runCli(['connectors', '--dir', dir, '--json']);
      expect(result.code, result.stderr).to.equal(0);
      const items = JSON.parse(result.stdout) as { type: string; error?: { code: string; message: string } }[];
      expect(items.find((i) => i.type === 'callrelay-sink-old')).to.deep.include({ origin: 'third-party', package: 'callrelay-sink-old', version: '1.2.3', error: { code: 'CONNECTOR_API_MISMATCH', message: oldMessage } });
      expect(items.find((i) => i.type === '@acme/callrelay-sink-future')!.error!.message).to.equal(futureMessage);
      expect(items.find((i) => i.type === TEAMS)).to.not.have.property('error');
    });

    it('connectors <refused package> says why it cannot be used (exit 2)', async () => {
      const result = await runCli(['connectors', 'callrelay-sink-old', '--dir', dir]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include(`connector package callrelay-sink-old is installed but cannot be used: ${oldMessage}`);
    });

    it('validate of a pipeline using a refused package fails with that error (exit 2, at the type)', async () => {
      const config = path.join(dir, 'callrelay.yaml');
      writeFileSync(config, 'store: { type: memory }\nsources:\n  pbx: { type: jambonz, auth: none }\nsinks:\n  old: { type: callrelay-sink-old }\n  future: { type: "@acme/callrelay-sink-future" }\npipelines:\n  all: { from: [pbx], to: [old, future] }\n');
      const result = await runCli(['validate', config]);
      expect(result.code, result.stdout + result.stderr).to.equal(2);
      expect(result.stderr).to.include(`callrelay.yaml:5:10: sinks.old.type: ${oldMessage}`);
      expect(result.stderr).to.include(`callrelay.yaml:6:13: sinks.future.type: ${futureMessage}`);
    });

    it('an unknown type lists the installed packages too, and a short type names the package that provides it', async () => {
      const config = path.join(dir, 'unknown.yaml');
      writeFileSync(config, 'store: { type: memory }\nsources:\n  pbx: { type: jambonz, auth: none }\nsinks:\n  a: { type: nope }\n  b: { type: teams, webhookUrl: "https://example.invalid/x" }\npipelines:\n  all: { from: [pbx], to: [a, b] }\n');
      const result = await runCli(['validate', config]);
      expect(result.code, result.stdout + result.stderr).to.equal(2);
      expect(result.stderr).to.match(/sinks\.a\.type: unknown sink type "nope"; installed sinks: [^\n]*callrelay-sink-teams/);
      expect(result.stderr).to.include('sinks.b.type: unknown sink type "teams"; the installed package callrelay-sink-teams provides a sink "teams": write type: callrelay-sink-teams');
    });
  });
});
