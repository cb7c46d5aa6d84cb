import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'mocha';
import { expect } from 'chai';

// The container image's smoke test is a shell script (it is also run by hand, and on CI machines
// before anything else is installed); this file makes its result one test of the suite, so that
// .ci/run counts it.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/container-smoke.sh');

const onCi = process.env.CI === 'true';
const hasPodman = spawnSync('sh', ['-c', 'command -v podman'], { stdio: 'ignore' }).status === 0;
const isRoot = process.getuid?.() === 0;

describe('container image (deploy/Containerfile, scripts/container-smoke.sh)', function () {
  // A cold run debootstraps a base and compiles the SQLite addon; a warm one reuses both.
  this.timeout(45 * 60_000);

  it('builds on Node 22, starts healthy as non-root, turns a jambonz webhook into a CSV row on its data volume and stops cleanly on SIGTERM', async function () {
    if (!onCi && !(hasPodman && isRoot)) {
      // The script installs podman with apt-get and needs root: only CI may do that unasked.
      console.warn(`      ${hasPodman ? 'not root' : 'podman not installed'}: skipping the container smoke test (run scripts/container-smoke.sh as root, or set CI=true)`);
      this.skip();
    }
    const { code, output } = await run(script);
    expect(code, `scripts/container-smoke.sh failed:\n${output.slice(-6000)}`).to.equal(0);
    expect(output).to.match(/CSV row in the data volume: .*d2515c3b-b79a-41a2-971a-445e769c823c/);
  });
});

/** Runs the script, echoing its progress lines (not the build's output) and keeping all of it for the failure message. */
function run(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.startsWith('[container-smoke')) console.log(`      ${line}`);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
