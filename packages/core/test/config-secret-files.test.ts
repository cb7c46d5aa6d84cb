import { PLUGIN_API_VERSION } from '@callrelay/core';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { z } from '@callrelay/core';
import { ConnectorRegistry, ConfigError, createRedactor, parseConfig, registerBuiltins, type ConfigIssue } from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';

const memoryStore = {
  kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({ path: z.string().default('x') }),
  create: () => { throw new Error('not used'); },
} as const;
const registry = () => registerBuiltins(new ConnectorRegistry()).register(jambonz, memoryStore as never);

const withPassword = (password: string) => `
sources:
  pbx: { type: jambonz, auth: { basic: { username: u, password: "${password}" } } }
sinks:
  out: { type: console }
pipelines:
  all: { from: [pbx], to: [out] }
`;
const passwordOf = (config: { sources: { options: Record<string, unknown> }[] }) =>
  (config.sources[0]!.options.auth as { basic: { password: string } }).basic.password;

describe('config: secrets from files', () => {
  let dir: string;
  const load = (text: string, env: Record<string, string> = {}) => parseConfig(text, { file: path.join(dir, 'callrelay.yaml'), registry: registry(), env, baseDir: dir });
  const issuesOf = async (text: string, env: Record<string, string> = {}): Promise<ConfigIssue[]> => {
    try {
      await load(text, env);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return (err as ConfigError).issues;
    }
    throw new Error('expected the config to be refused');
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'callrelay-secrets-'));
    mkdirSync(path.join(dir, 'secrets'));
    writeFileSync(path.join(dir, 'secrets', 'password'), 'from-a-file-1234\n');
    writeFileSync(path.join(dir, 'secrets', 'crlf'), 'windows-secret\r\n');
    writeFileSync(path.join(dir, 'secrets', 'digits'), '0123456\n');
    writeFileSync(path.join(dir, 'secrets', 'empty'), '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('${file:/absolute/path} reads the file, trailing newline trimmed', async () => {
    const config = await load(withPassword(`\${file:${path.join(dir, 'secrets', 'password')}}`));
    expect(passwordOf(config)).to.equal('from-a-file-1234');
  });

  it('${file:relative} is read from the config file\'s folder, and \\r\\n is trimmed too', async () => {
    const config = await load(withPassword('${file:secrets/crlf}'));
    expect(passwordOf(config)).to.equal('windows-secret');
  });

  it('a value read from a file stays a string, even unquoted and all digits', async () => {
    // Block style: a plain scalar may start with `${` there (in a flow mapping it must be quoted).
    const config = await load(withPassword('x').replace('  pbx: { type: jambonz, auth: { basic: { username: u, password: "x" } } }',
      '  pbx:\n    type: jambonz\n    auth:\n      basic:\n        username: u\n        password: ${file:secrets/digits}'));
    expect(passwordOf(config)).to.equal('0123456');
  });

  it('${NAME} falls back to the file named by NAME_FILE when NAME is unset', async () => {
    const config = await load(withPassword('${PBX_PASSWORD}'), { PBX_PASSWORD_FILE: path.join(dir, 'secrets', 'password') });
    expect(passwordOf(config)).to.equal('from-a-file-1234');
  });

  it('NAME wins over NAME_FILE, and NAME_FILE over the default', async () => {
    const file = path.join(dir, 'secrets', 'password');
    expect(passwordOf(await load(withPassword('${PBX_PASSWORD}'), { PBX_PASSWORD: 'from-env-5678', PBX_PASSWORD_FILE: file }))).to.equal('from-env-5678');
    expect(passwordOf(await load(withPassword('${PBX_PASSWORD:-the-default}'), { PBX_PASSWORD_FILE: file }))).to.equal('from-a-file-1234');
  });

  it('values from files are secrets: listed for redaction, and redacted in text', async () => {
    // Spliced into a field no schema marks secret, the file's content is a secret all the same.
    const text = withPassword('${file:secrets/password}').replace('to: [out] }', 'to: [out], description: "from ${file:secrets/crlf}" }');
    const config = await load(text);
    expect(config.secretValues).to.include.members(['from-a-file-1234', 'windows-secret']);
    const redact = createRedactor(config.secretValues);
    expect(redact.text('login with from-a-file-1234 failed')).to.equal('login with [redacted] failed');
  });

  it('a missing file is an error naming the file and the config path, not a value', async () => {
    const missing = path.join(dir, 'secrets', 'nope');
    const issues = await issuesOf(withPassword(`\${file:${missing}}`));
    expect(issues).to.have.length(1);
    expect(issues[0]!.path).to.equal('sources.pbx.auth.basic.password');
    expect(issues[0]!.line).to.equal(3);
    expect(issues[0]!.message).to.contain(missing).and.contain('ENOENT');
  });

  it('an empty file is an error naming the file', async () => {
    const issues = await issuesOf(withPassword('${file:secrets/empty}'));
    expect(issues[0]!.path).to.equal('sources.pbx.auth.basic.password');
    expect(issues[0]!.message).to.equal(`secret file ${path.join(dir, 'secrets', 'empty')} is empty`);
  });

  it('an unreadable NAME_FILE names the variable and the file, never the content', async function () {
    const file = path.join(dir, 'secrets', 'locked');
    writeFileSync(file, 'locked-secret-value\n');
    chmodSync(file, 0o000);
    try {
      if (process.getuid?.() === 0) this.skip(); // root reads a mode-000 file
      const issues = await issuesOf(withPassword('${PBX_PASSWORD}'), { PBX_PASSWORD_FILE: file });
      expect(issues[0]!.path).to.equal('sources.pbx.auth.basic.password');
      expect(issues[0]!.message).to.contain('PBX_PASSWORD_FILE').and.contain(file).and.contain('EACCES');
      expect(JSON.stringify(issues)).not.to.contain('locked-secret-value');
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('an unset NAME without NAME_FILE or default says that NAME_FILE is an option', async () => {
    const issues = await issuesOf(withPassword('${PBX_PASSWORD}'));
    expect(issues[0]!.message).to.contain('PBX_PASSWORD_FILE');
  });

  it('$${file:...} stays a literal', async () => {
    const config = await load(withPassword('$${file:/x}'));
    expect(passwordOf(config)).to.equal('${file:/x}');
  });
});
