import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@callrelay/core/host';
import { bundledRegistry } from '../src/bundled.js';
import { initProject } from '../src/init/project.js';
import { runTestFile } from '../src/pipeline-test/runner.js';
import { SINK_TEMPLATES, SOURCE_TEMPLATES } from '../src/init/templates.js';

/** Values for the credentials only the user can supply (init leaves them empty in .env). */
const VENDOR_VALUES: Record<string, string> = {
  SIGNALWIRE_SIGNING_KEY: 'PSK_test0123456789',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
  WEBHOOK_URL: 'http://127.0.0.1:9/calls',
  HUBSPOT_TOKEN: 'pat-na1-00000000-0000-0000-0000-000000000000',
};

const fileOf = (project: ReturnType<typeof initProject>, name: string) => project.files.find((f) => f.path === name)!.content;
const readEnv = (text: string): Record<string, string> =>
  Object.fromEntries(text.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const issuesOf = (err: unknown) => (err instanceof ConfigError ? err.issues.map((i) => i.message).join('\n') : String(err));

describe('callrelay init: the generated project', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'callrelay-init-project-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const source of SOURCE_TEMPLATES) {
    for (const sink of SINK_TEMPLATES) {
      it(`${source.type} -> ${sink.type}: passes validation with .env once the vendor credentials are filled in, and its pipeline test passes`, async () => {
        const project = initProject(source, sink, { dir: '.', command: 'callrelay' });
        const dir = path.join(root, `${source.type}-${sink.type}`);
        mkdirSync(dir);
        for (const file of project.files) writeFileSync(path.join(dir, file.path), file.content);
        const env = readEnv(fileOf(project, '.env'));
        const empty = Object.keys(env).filter((k) => !env[k]);
        expect(empty, 'what is left empty is what the user must supply').to.deep.equal(project.toFill);
        for (const name of empty) expect(VENDOR_VALUES, `${name} is a vendor credential`).to.have.property(name);
        // Every variable the file reads (comments aside) is listed in .env.example, no secret value is.
        const yaml = fileOf(project, 'callrelay.yaml').split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
        const example = fileOf(project, '.env.example');
        for (const [, name] of yaml.matchAll(/\$\{([A-Z_]+)/g)) expect(example, `.env.example lists ${name}`).to.match(new RegExp(`^(# )?${name}=`, 'm'));
        for (const value of Object.values(env)) if (value) expect(example).not.to.include(value);

        const registry = await bundledRegistry(() => undefined);
        const file = path.join(dir, 'callrelay.yaml');
        if (empty.length) {
          const missing = await loadConfig(file, registry, env).then(() => 'valid', issuesOf);
          expect(missing, 'an unset vendor credential is reported by name').to.include(`${empty[0]} is not set`);
        }
        const filled = { ...env, ...Object.fromEntries(empty.map((k) => [k, VENDOR_VALUES[k]!])) };
        const config = await loadConfig(file, registry, filled).catch((err: unknown) => expect.fail(issuesOf(err)));
        expect(config.sources.map((s) => s.definition.type)).to.deep.equal([source.type]);
        expect(config.sinks.map((s) => s.definition.type)).to.deep.equal([sink.type]);
        expect(config.pipelines).to.have.length(1);

        // The generated pipeline test passes as written (its own test values, not .env).
        let output = '';
        const outcome = await runTestFile(path.join(dir, 'callrelay.test.yaml'), registry, { update: false, write: (text) => { output += text; } });
        expect(outcome, output).to.deep.equal({ passed: 1, failed: 0, unusable: false });
      }).timeout(30_000);
    }
  }

  it('prints a curl line with the generated credentials for every source that a curl can reach', () => {
    for (const source of SOURCE_TEMPLATES) {
      const project = initProject(source, SINK_TEMPLATES[0]!, { dir: 'my calls', command: 'npx callrelay' });
      expect(project.nextSteps[0]).to.equal(`cd 'my calls'`);
      const curl = project.nextSteps.find((s) => /^\s*curl /m.test(s));
      if (!source.curlAuth) {
        expect(curl, `${source.type} signs its requests: no curl line`).to.equal(undefined);
        continue;
      }
      const secret = Object.values(project.env).find(Boolean)!;
      expect(curl).to.include(secret).and.to.include('http://127.0.0.1:8080/hooks/');
    }
  });
});
