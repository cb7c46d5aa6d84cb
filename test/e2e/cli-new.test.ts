import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI, runCli, REPO_ROOT } from '../support/callrelay-process.js';

const run = promisify(execFile);

/**
 * `callrelay new` as a user runs it (built CLI). That the generated packages install, build, pass
 * their own tests and keep their docs page current against the packed packages:
 * test/pack/install-from-tarballs.test.ts.
 */
describe('callrelay new source|sink <name>', function () {
  this.timeout(60_000);
  const root = mkdtempSync(path.join(tmpdir(), 'callrelay-new-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    name: string; keywords: string[]; peerDependencies: Record<string, string>; devDependencies: Record<string, string>; files: string[]; engines: { node: string };
  };

  it('writes a sink package marked as a callrelay plugin, with its docs page, and prints the next steps', async () => {
    const dir = path.join(root, 'callrelay-sink-acme-crm');
    const result = await runCli(['new', 'sink', 'acme-crm', '--dir', dir]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`cd ${path.relative(REPO_ROOT, dir)}`).and.include('npm install').and.include('npm test').and.include('type: callrelay-sink-acme-crm')
      .and.include(`npm install ${path.join(dir, 'callrelay-sink-acme-crm-0.1.0.tgz')}`);
    const manifest = manifestOf(dir);
    const cli = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const core = cli.dependencies['@callrelay/core']!;
    expect(manifest.name).to.equal('callrelay-sink-acme-crm');
    expect(manifest.keywords).to.deep.equal(['callrelay-plugin', 'callrelay-sink']);
    expect(manifest.peerDependencies).to.deep.equal({ '@callrelay/core': `^${core}` });
    expect(manifest.engines.node).to.equal('>=20.19');
    expect(manifest.files).to.include.members(['docs', 'README.md']);
    // The tools at the versions the repository itself builds and tests with.
    const repo = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const tool of ['typescript', 'mocha', 'chai', '@types/node', '@types/mocha', '@types/chai']) expect(manifest.devDependencies[tool], tool).to.equal(repo.devDependencies[tool]);
    expect(manifest.devDependencies['@callrelay/core']).to.equal(core);
    expect(manifest.devDependencies['@callrelay/testkit']).to.equal(core);

    const index = readFileSync(path.join(dir, 'src', 'index.ts'), 'utf8');
    expect(index).to.include('defineSink(').and.include("type: 'acme-crm'").and.include('outcomeForHttpStatus').and.include('signal');
    expect(index, 'a plugin imports the plugin API only').not.to.include('@callrelay/core/host');
    expect(readFileSync(path.join(dir, 'test', 'contract.test.ts'), 'utf8')).to.include('runSinkContract').and.include('WebhookReceiver');
    const page = readFileSync(path.join(dir, 'docs', 'acme-crm.md'), 'utf8');
    expect(page).to.include('# Sink: acme-crm').and.include('| `url` | string |').and.include('type: callrelay-sink-acme-crm').and.include('${ACME_CRM_TOKEN}');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).to.include('npm install callrelay-sink-acme-crm');
  });

  it('writes a source package with recorded fixtures and the source contract; the default folder is ./callrelay-source-<name>', async () => {
    const cwd = path.join(root, 'cwd');
    mkdirSync(cwd);
    const result = await run(process.execPath, [CLI, 'new', 'source', 'acme'], { cwd });
    expect(result.stdout).to.include('cd callrelay-source-acme');
    const dir = path.join(cwd, 'callrelay-source-acme');
    expect(manifestOf(dir).keywords).to.deep.equal(['callrelay-plugin', 'callrelay-source']);
    expect(readFileSync(path.join(dir, 'src', 'index.ts'), 'utf8')).to.include('defineSource(').and.include('verifySharedToken').and.include('verifyBasicAuth');
    expect(readFileSync(path.join(dir, 'test', 'contract.test.ts'), 'utf8')).to.include('runSourceContract');
    expect(existsSync(path.join(dir, 'test', 'fixtures', 'missed-call.json'))).to.equal(true);
    expect(readFileSync(path.join(dir, 'docs', 'acme.md'), 'utf8')).to.include('# Source: acme').and.include('`auth.token.value`');
  });

  it('--package: a scoped package name is the name users put in type:', async () => {
    const dir = path.join(root, 'scoped');
    const result = await runCli(['new', 'sink', 'teams', '--dir', dir, '--package', '@acme/callrelay-sink-teams']);
    expect(result.code, result.stderr).to.equal(0);
    expect(manifestOf(dir).name).to.equal('@acme/callrelay-sink-teams');
    expect(readFileSync(path.join(dir, 'docs', 'teams.md'), 'utf8')).to.include('type: "@acme/callrelay-sink-teams"').and.include('npm install @acme/callrelay-sink-teams');
  });

  it('refuses a name that is not lowercase letters, digits and hyphens, and a bad --package (exit 2, nothing written)', async () => {
    for (const name of ['Acme', 'acme_crm', 'acme-', 'acme--crm', '9acme', 'acme crm']) {
      const dir = path.join(root, `bad-${name.replace(/\W/g, '')}`);
      const result = await runCli(['new', 'sink', name, '--dir', dir]);
      expect(result.code, name).to.equal(2);
      expect(result.stderr, name).to.include('lowercase letters, digits and single hyphens');
      expect(existsSync(dir), name).to.equal(false);
    }
    const result = await runCli(['new', 'source', 'acme', '--dir', path.join(root, 'bad-package'), '--package', 'Acme Sink']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include('not a valid npm package name');
  });

  it('refuses a folder that is not empty, naming --dir and --force; --force writes into it', async () => {
    const dir = path.join(root, 'taken');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    const refused = await runCli(['new', 'sink', 'demo', '--dir', dir]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include('is not empty').and.include('--dir').and.include('--force');
    expect(existsSync(path.join(dir, 'package.json'))).to.equal(false);
    expect((await runCli(['new', 'sink', 'demo', '--dir', dir, '--force'])).code).to.equal(0);
    expect(existsSync(path.join(dir, 'package.json'))).to.equal(true);
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).to.equal('mine\n');
  });
});
