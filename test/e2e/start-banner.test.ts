import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, runCli, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';

/** Runs one line in `sh`, as a user pastes it. */
function shell(line: string, env: Record<string, string>, cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', line], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/**
 * The start banner's sample line for every bundled source, run as printed in a shell that has the
 * node's environment, against that node: each is accepted (curl's --fail-with-body and `callrelay
 * replay` exit non-zero on anything but 2xx). Secrets come from environment variables, a
 * `NAME_FILE` and a `${file:...}`, the ways production configs hold them.
 */
describe('callrelay run: the start banner\'s sample lines work as printed', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-banner-'));
  const secrets = {
    JAMBONZ_PASSWORD: 'jambonz-pass-81x',
    JAMBONZ_WEBHOOK_SECRET: 'jambonz-wh-secret-92y',
    SIGNALWIRE_SIGNING_KEY: 'PSK_signing_key_73z',
    IMPACTPBX_TOKEN: 'impact-token-64w',
  };
  const threeCxToken = 'threecx-token-55v';
  // What a shell started by the same user would have: the same variables as the node.
  const env: Record<string, string> = {
    JAMBONZ_PASSWORD: secrets.JAMBONZ_PASSWORD,
    JAMBONZ_WEBHOOK_SECRET: secrets.JAMBONZ_WEBHOOK_SECRET,
    SIGNALWIRE_SIGNING_KEY: secrets.SIGNALWIRE_SIGNING_KEY,
    IMPACTPBX_TOKEN_FILE: path.join(dir, 'secrets', 'impactpbx'),
    PORT: '0',
    PATH: `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  let node: CallrelayProcess;

  before(async () => {
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'impactpbx'), `${secrets.IMPACTPBX_TOKEN}\n`);
    writeFileSync(path.join(dir, 'secrets', 'threecx'), `${threeCxToken}\n`);
    // `callrelay` on the PATH, as an installed CLI is.
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', 'callrelay'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(dir, 'bin', 'callrelay'), 0o755);
    writeFileSync(path.join(dir, 'callrelay.yaml'), `
server:
  port: \${PORT:-8080}
store: { type: sqlite, path: store.db }
sources:
  jambonz:
    type: jambonz
    auth:
      basic: { username: jambonz, password: "\${JAMBONZ_PASSWORD}" }
  jambonz-signed:
    type: jambonz
    auth:
      webhookSecret: "\${JAMBONZ_WEBHOOK_SECRET}"
  signalwire:
    type: signalwire
    auth: { signingKey: "\${SIGNALWIRE_SIGNING_KEY}" }
  pbx:
    type: 3cx
    auth: { token: { value: "\${file:secrets/threecx}" } }
  impactpbx:
    type: impactpbx
    auth: { token: { value: "\${IMPACTPBX_TOKEN}" } }
sinks:
  calls: { type: csv, path: calls.csv }
pipelines:
  all: { from: [jambonz, jambonz-signed, signalwire, pbx, impactpbx], to: [calls] }
`);
    node = await startCallrelay(path.join(dir, 'callrelay.yaml'), { ...env, LOG_LEVEL: 'warn' });
  });
  after(() => node?.kill('SIGTERM'));

  /** The sample line printed under `# <id>:` in the banner. */
  const lineFor = (id: string): string => {
    const lines = node.stderr().split('\n');
    const at = lines.findIndex((line) => line.startsWith(`  # ${id}: `));
    expect(at, `a sample for ${id} in:\n${node.stderr()}`).to.be.greaterThan(-1);
    return lines[at + 1]!.trim();
  };

  it('never prints a secret', () => {
    for (const value of [...Object.values(secrets), threeCxToken]) expect(node.stderr()).not.to.contain(value);
  });

  for (const [id, kind] of [['jambonz', 'curl'], ['jambonz-signed', 'replay'], ['signalwire', 'replay'], ['pbx', 'curl'], ['impactpbx', 'curl']] as const) {
    it(`${id}: a ${kind} line that is accepted`, async () => {
      const line = lineFor(id);
      expect(line.startsWith(kind === 'curl' ? 'curl ' : 'callrelay replay ')).to.equal(true);
      const result = await shell(line, env, dir);
      expect(result.code, `${line}\n${result.output}`).to.equal(0);
      if (kind === 'replay') expect(result.output).to.match(/ 0 not accepted/);
    });
  }

  it('the lines refer to the config\'s variables and files, so a shell without them is refused', async () => {
    expect(lineFor('jambonz')).to.contain('-u "jambonz:${JAMBONZ_PASSWORD}"');
    expect(lineFor('pbx')).to.contain(`?token=$(cat '${path.join(dir, 'secrets', 'threecx')}')`);
    expect(lineFor('impactpbx')).to.contain(`?token=$(cat '${path.join(dir, 'secrets', 'impactpbx')}')`);
    const result = await shell(lineFor('jambonz'), { ...env, JAMBONZ_PASSWORD: 'not-the-password' }, dir);
    expect(result.code).not.to.equal(0);
    expect(result.output).to.contain('401');
  });
});

describe('callrelay run: port in use', function () {
  this.timeout(60_000);
  let blocker: Server;
  let port: number;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('names the port, server.port and the PORT variable the file reads, and exits 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-port-'));
    const result = await runCli(['run', 'examples/quickstart/callrelay.yaml'], { PORT: String(port), CALLRELAY_DB: path.join(dir, 'q.db'), CSV_PATH: path.join(dir, 'c.csv') });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.contain(`port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).to.contain('server.port in examples/quickstart/callrelay.yaml');
    expect(result.stderr).to.contain('PORT=<port> in the environment or --port <port>');
  });

  it('names --port when the port came from the command line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-port-'));
    const result = await runCli(['run', 'examples/quickstart/callrelay.yaml', '--port', String(port)], { CALLRELAY_DB: path.join(dir, 'q.db'), CSV_PATH: path.join(dir, 'c.csv') });
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.contain(`port ${port} on 127.0.0.1 is already in use`);
    expect(result.stderr).to.contain(`--port ${port} on the command line`);
  });
});
