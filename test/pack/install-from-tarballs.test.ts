import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { spawn, type SpawnOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, basicAuth, eventually } from '../support/callrelay-process.js';
import { docSteps } from './doc-steps.js';

/**
 * Issue 13 items 1 and 2, as a new user meets callrelay: every workspace package packed with
 * `npm pack`, installed from those tarballs into an empty folder outside the repository, then
 * `npx callrelay init`, `validate`, `run`, a webhook in and a row out; the Teams example plugin built
 * with tsc against the tarballs passes the testkit's sink contract; and the CLI's production
 * install holds no test framework and no SaaS SDK it does not use. Issue 14 items 1 and 8: the
 * packages `callrelay new sink|source demo` writes build and pass their own tests against the
 * tarballs without edits, and every step of docs/authoring.md runs as written.
 *
 * Dependencies come from the npm registry (or npm's cache: --prefer-offline). better-sqlite3 is
 * pinned to the repository's version and installed without its install script, its compiled addon
 * copied from the repository's node_modules: the same version on the same Node, so the 3-8 minute
 * compile is not repeated on every run (docs/releasing.md).
 */

interface Run { code: number | null; stdout: string; stderr: string }
function run(command: string, args: string[], options: SpawnOptions & { cwd: string }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, env: { ...CLEAN_ENV, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const ok = async (command: string, args: string[], options: SpawnOptions & { cwd: string }): Promise<Run> => {
  const result = await run(command, args, options);
  expect(result.code, `${command} ${args.join(' ')} in ${options.cwd}\n${result.stdout}\n${result.stderr}`).to.equal(0);
  return result;
};
/** The environment without what `npm test` sets for its script (npm_config_local_prefix...): npm in the empty folder must not see the repository. */
const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

describe('installing from packed tarballs (npm pack, an empty folder outside the repository)', function () {
  this.timeout(20 * 60_000);
  const root = mkdtempSync(path.join(tmpdir(), 'callrelay-pack-'));
  const tarballs = path.join(root, 'tarballs');
  const app = path.join(root, 'my-callrelay');
  const plugin = path.join(root, 'callrelay-sink-teams');
  /** `@callrelay/x` -> `file:<tarball>`. */
  const packed: Record<string, string> = {};
  /** The example plugins of examples/ (workspaces too, not callrelay's own packages) -> `file:<tarball>`. */
  const packedExamples: Record<string, string> = {};
  const packedFiles: Record<string, string[]> = {};
  let node: ReturnType<typeof spawn> | undefined;
  /**
   * A script that points the `@callrelay/*` dependencies of the package.json in its working folder
   * at the tarballs, and every other `@callrelay/*` package (installed through them) by overrides:
   * the only edit a package outside the repository needs while the packages are not on the registry.
   */
  const useTarballs = path.join(root, 'use-tarballs.mjs');

  before(async function () {
    mkdirSync(tarballs);
    const pack = await ok('npm', ['pack', '--workspaces', '--json', '--pack-destination', tarballs], { cwd: REPO_ROOT });
    for (const entry of JSON.parse(pack.stdout) as { name: string; filename: string; files: { path: string }[] }[]) {
      (entry.name.startsWith('@callrelay/') ? packed : packedExamples)[entry.name] = `file:${path.join(tarballs, entry.filename)}`;
      packedFiles[entry.name] = entry.files.map((f) => f.path);
    }
    writeFileSync(useTarballs, `import { readFileSync, writeFileSync } from 'node:fs';
const packed = ${JSON.stringify(packed)};
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const direct = [];
for (const field of ['dependencies', 'devDependencies']) {
  for (const name of Object.keys(manifest[field] ?? {})) if (packed[name]) { manifest[field][name] = packed[name]; direct.push(name); }
}
const others = Object.fromEntries(Object.entries(packed).filter(([name]) => !direct.includes(name)));
manifest.overrides = { ...manifest.overrides, ...others };
writeFileSync('package.json', JSON.stringify(manifest, null, 2) + '\\n');
`);
  });
  after(() => {
    // Whatever is left of the node's process group; none left (ESRCH) once it stopped on its SIGTERM.
    if (node?.pid) {
      try { process.kill(-node.pid, 'SIGKILL'); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('packs every workspace package with its built code, README and LICENSE, and no sources', () => {
    const workspaces = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    expect(Object.keys(packedFiles)).to.have.length(workspaces.length);
    for (const [name, files] of Object.entries(packedFiles)) {
      expect(files, name).to.include.members(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']);
      expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.tsbuildinfo')), `${name} ships no sources`).to.deep.equal([]);
    }
  });

  describe('the callrelay command', () => {
    before(async () => {
      mkdirSync(app);
      const sqlite = JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
      const { '@callrelay/cli': cli, ...others } = packed;
      writeFileSync(path.join(app, 'package.json'), JSON.stringify({
        name: 'my-callrelay', private: true,
        dependencies: { '@callrelay/cli': cli },
        // The other packages are not on the registry yet: the tarballs stand in for them.
        overrides: { ...others, 'better-sqlite3': sqlite.version },
      }, null, 2));
      await ok('npm', [...INSTALL, '--ignore-scripts'], { cwd: app });
      const addon = path.join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
      mkdirSync(path.dirname(path.join(app, addon)), { recursive: true });
      cpSync(path.join(REPO_ROOT, addon), path.join(app, addon));
    });

    it('installs neither a test framework nor a SaaS SDK the command does not use', async () => {
      const listing = await ok('npm', ['ls', '--omit=dev', '--all', '--parseable', '--long'], { cwd: app });
      const names = new Set(listing.stdout.split('\n').filter(Boolean).map((line) => line.split(':')[1]!.replace(/@[^@]*$/, '')));
      expect(names.has('@callrelay/cli'), listing.stdout).to.equal(true);
      for (const name of ['mocha', 'chai', '@callrelay/testkit', '@hubspot/api-client', '@slack/webhook', 'typescript', 'tsx']) {
        expect(names.has(name), `${name} is installed with the CLI`).to.equal(false);
      }
      expect([...names].filter((n) => n.startsWith('@callrelay/')).length, 'one copy of each callrelay package').to.be.greaterThan(10);
    });

    it('npx callrelay init, validate, run: a webhook in, a row out, and a recorded call replayed by name', async () => {
      const init = await ok('npx', ['callrelay', 'init', '--source', 'jambonz', '--sink', 'csv'], { cwd: app });
      expect(init.stdout).to.include('npx callrelay validate callrelay.yaml --env .env');
      const validate = await ok('npx', ['callrelay', 'validate', 'callrelay.yaml', '--env', '.env'], { cwd: app });
      expect(validate.stdout).to.include('callrelay.yaml is valid');

      // Its own process group: npx, the shell it starts and node all get the SIGTERM.
      node = spawn('npx', ['callrelay', 'run', 'callrelay.yaml', '--env', '.env'], {
        cwd: app, detached: true, env: { ...CLEAN_ENV, PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      node.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
      const url = await eventually(() => /callrelay listening on (http:\/\/\S+)/.exec(stderr)?.[1], 60_000, `callrelay listening\n${stderr}`);

      const password = /^JAMBONZ_PASSWORD=(.+)$/m.exec(readFileSync(path.join(app, '.env'), 'utf8'))![1]!;
      const fixtures = path.join(app, 'node_modules', '@callrelay', 'fixtures', 'webhooks', 'jambonz');
      const callHook = JSON.parse(readFileSync(path.join(fixtures, 'call-hook.json'), 'utf8')) as { requests: { body: string }[] };
      const posted = await fetch(`${url}/hooks/jambonz`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuth('jambonz', password) }, body: callHook.requests[0]!.body,
      });
      expect(posted.status, await posted.clone().text()).to.equal(200);
      const csv = path.join(app, 'data', 'calls.csv');
      const callSid = (JSON.parse(callHook.requests[0]!.body) as { call_sid: string }).call_sid;
      await eventually(() => (existsSync(csv) && readFileSync(csv, 'utf8').includes(callSid) ? true : undefined), 30_000, 'the CSV row of the webhook');

      const replay = await ok('npx', ['callrelay', 'replay', 'jambonz/status-missed-caller-hangup', '--to', `${url}/hooks/jambonz`, '--basic', `jambonz:${password}`, '--speed', '50'], { cwd: app });
      expect(replay.stdout).to.include('0 not accepted');
      await eventually(() => (/(^|,)missed(,|$)/m.test(readFileSync(csv, 'utf8')) ? true : undefined), 30_000, 'a missed row');

      const exited = new Promise((resolve) => node!.once('exit', resolve));
      process.kill(-node.pid!, 'SIGTERM');
      await exited;
      expect(stderr).to.include('SIGTERM: stopping intake');
    });

    for (const kind of ['sink', 'source'] as const) {
      it(`callrelay new ${kind} demo: the package builds and passes its own tests without edits, and npm run docs leaves its page as written`, async () => {
        const folder = path.join(root, 'new');
        mkdirSync(folder, { recursive: true });
        await ok(path.join(app, 'node_modules', '.bin', 'callrelay'), ['new', kind, 'demo'], { cwd: folder });
        const generated = path.join(folder, `callrelay-${kind}-demo`);
        const page = readFileSync(path.join(generated, 'docs', 'demo.md'), 'utf8');
        await ok(process.execPath, [useTarballs], { cwd: generated });
        await ok('npm', INSTALL, { cwd: generated });
        await ok('npm', ['run', 'build'], { cwd: generated });
        const test = await ok('npm', ['test'], { cwd: generated, env: { MOCHA_REPORTER: 'spec' } });
        expect(test.stdout).to.include(`${kind} contract: demo`).and.include('docs/demo.md');
        expect(test.stdout).to.match(/[1-9]\d* passing/);
        expect(test.stdout).not.to.match(/failing/);
        await ok('npm', ['run', 'docs'], { cwd: generated });
        expect(readFileSync(path.join(generated, 'docs', 'demo.md'), 'utf8'), 'the page written by callrelay new is what npm run docs writes').to.equal(page);
      });
    }

    it('docs/authoring.md, step by step: every `sh step` block run and every `file=` block written, in order', async () => {
      const work = path.join(root, 'authoring');
      const myCallrelay = path.join(work, 'my-callrelay');
      mkdirSync(myCallrelay, { recursive: true });
      // Where the doc starts ("Before you start"): a folder with callrelay installed, as installed above.
      await ok('cp', ['-a', 'package.json', 'package-lock.json', 'node_modules', myCallrelay], { cwd: app });
      // Where the doc says npm install, the folder's packages come from the tarballs (the note at its top).
      const preamble = `npm() {
  case "$1" in
    install) node ${JSON.stringify(useTarballs)} && command npm "$@" --prefer-offline --no-audit --no-fund --loglevel=error ;;
    publish) command npm "$@" --offline ;;
    *) command npm "$@" ;;
  esac
}`;
      const steps = docSteps(readFileSync(path.join(REPO_ROOT, 'docs', 'authoring.md'), 'utf8'));
      expect(steps.filter((s) => s.kind === 'sh').length, 'the doc has steps').to.be.at.least(5);
      const ended = path.join(root, 'step-ended-in');
      let cwd = work;
      for (const step of steps) {
        if (step.kind === 'file') {
          writeFileSync(path.join(cwd, step.path), step.content);
          continue;
        }
        const result = await run('bash', ['-e', '-c', `${preamble}\n${step.script}\npwd > ${JSON.stringify(ended)}`], { cwd });
        expect(result.code, `docs/authoring.md:${step.line} failed in ${cwd}:\n${step.script}\n${result.stdout}\n${result.stderr}`).to.equal(0);
        cwd = readFileSync(ended, 'utf8').trim();
      }
      expect(readFileSync(path.join(work, 'callrelay-sink-acme', 'docs', 'acme.md'), 'utf8'), 'the edit reached the page').to.include('`channel`');
    });

    it('the Teams plugin installed from its tarball: discovered by connectors and schema, its pipeline valid and its pipeline test passing', async () => {
      await ok('npm', [...INSTALL, '--ignore-scripts', packedExamples['callrelay-sink-teams']!], { cwd: app });
      const listing = await ok('npx', ['callrelay', 'connectors'], { cwd: app });
      expect(listing.stdout).to.match(/^sink\s+callrelay-sink-teams .*\[third-party: callrelay-sink-teams@0\.1\.0\]$/m);
      expect(listing.stderr, 'nothing refused').not.to.include('refused');
      const schema = JSON.parse((await ok('npx', ['callrelay', 'schema'], { cwd: app })).stdout) as unknown;
      expect(JSON.stringify(schema)).to.include('"const":"callrelay-sink-teams"');
      const pipeline = path.join(app, 'teams');
      mkdirSync(pipeline);
      for (const file of ['callrelay.yaml', 'callrelay.test.yaml']) cpSync(path.join(REPO_ROOT, 'examples', 'teams-sink', file), path.join(pipeline, file));
      const env = { JAMBONZ_PASSWORD: 'change-me', TEAMS_WEBHOOK_URL: 'https://example.invalid/workflows/hook' };
      await ok('npx', ['callrelay', 'validate', 'callrelay.yaml'], { cwd: pipeline, env });
      const tested = await ok('npx', ['callrelay', 'test'], { cwd: pipeline });
      expect(tested.stdout).to.match(/\b0 failed\b/);
    });
  });

  it('builds the Teams example plugin (examples/teams-sink) outside the repository against the tarballs, and passes its own tests', async () => {
    cpSync(path.join(REPO_ROOT, 'examples', 'teams-sink'), plugin, { recursive: true, filter: (f) => !/node_modules|dist/.test(path.relative(REPO_ROOT, f)) });
    await ok(process.execPath, [useTarballs], { cwd: plugin });
    await ok('npm', INSTALL, { cwd: plugin });
    expect(readdirSync(path.join(plugin, 'node_modules', '@callrelay')).sort()).to.deep.equal(['core', 'fixtures', 'testkit']);
    await ok('npm', ['run', 'build'], { cwd: plugin });
    const test = await ok('npm', ['test'], { cwd: plugin, env: { MOCHA_REPORTER: 'spec' } });
    expect(test.stdout).to.include('sink contract: callrelay-sink-teams (Teams Workflows webhook)');
    expect(test.stdout).to.match(/[1-9]\d* passing/);
    expect(test.stdout).not.to.match(/failing/);
  });
});
