import { PLUGIN_API_VERSION } from '@callrelay/core';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { defineSink, z } from '@callrelay/core';
import { ConnectorRegistry, ConfigError, parseConfig, registerBuiltins } from '@callrelay/core/host';
import jambonz from '@callrelay/source-jambonz';

const memoryStore = {
  kind: 'store', type: 'sqlite', apiVersion: PLUGIN_API_VERSION, description: 'test', config: z.object({ path: z.string().default('x') }),
  create: () => { throw new Error('not used'); },
} as const;
const registry = () => registerBuiltins(new ConnectorRegistry()).register(jambonz, memoryStore as never);
const load = (text: string, env: Record<string, string> = {}) => parseConfig(text, { file: 'test.yaml', registry: registry(), env, baseDir: '/tmp' });
const issuesOf = async (text: string, env: Record<string, string> = {}) => {
  try {
    await load(text, env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be refused');
};

const valid = `
sources:
  pbx: { type: jambonz, auth: { basic: { username: u, password: "\${PASS:-secret}" } } }
sinks:
  out: { type: console }
pipelines:
  all: { from: [pbx], to: [out] }
`;

describe('config', () => {
  it('resolves connectors, defaults and ${VAR:-default}', async () => {
    const config = await load(valid);
    expect(config.sources[0]).to.include({ id: 'pbx', route: '/hooks/pbx' });
    expect((config.sources[0]!.options.auth as { basic: { password: string } }).basic.password).to.equal('secret');
    expect(config.sinks[0]!.delivery).to.deep.include({ concurrency: 4, maxAttempts: 39, maxBackoffMs: 3_600_000 });
    expect(config.server).to.deep.include({ host: '127.0.0.1', port: 8080 });
    expect(config.secretKeys).to.deep.equal(['sources.pbx.auth.basic.password']);
    expect(config.secretValues).to.deep.equal(['secret']);
    const fromEnv = await load(valid, { PASS: 'from-env' });
    expect((fromEnv.sources[0]!.options.auth as { basic: { password: string } }).basic.password).to.equal('from-env');
  });

  it('types a whole-scalar ${VAR} (a port stays a number)', async () => {
    const config = await load(`${valid}\nserver:\n  port: \${PORT}\n`, { PORT: '9090' });
    expect(config.server.port).to.equal(9090);
  });

  it('reports a missing variable without a default with its line', async () => {
    const issues = await issuesOf(valid.replace('${PASS:-secret}', '${NOPE}'));
    expect(issues.some((i) => i.line === 3 && /NOPE/.test(i.message))).to.equal(true);
  });

  it('reports every error at once, with file, line, column, path, expected and found', async () => {
    const issues = await issuesOf(`
sources:
  pbx: { type: jambonz, auth: { basic: { username: u } } }
  "Bad Id": { type: jambonz, auth: none }
sinks:
  out: { type: console, delivery: { maxAttempts: 0 } }
pipelines:
  all: { from: [pbx, ghost], to: [out] }
extra: 1
`);
    const paths = issues.map((i) => i.path);
    expect(paths).to.include.members(['sources.pbx.auth', 'sources.Bad Id', 'sinks.out.delivery.maxAttempts', 'pipelines.all.from.1', 'extra']);
    for (const issue of issues) {
      expect(issue.file).to.equal('test.yaml');
      expect(issue.line, issue.path).to.be.a('number');
      expect(issue.column, issue.path).to.be.a('number');
    }
    const attempts = issues.find((i) => i.path === 'sinks.out.delivery.maxAttempts')!;
    expect(attempts.line).to.equal(6);
    expect(attempts.found).to.match(/0/);
  });

  it('refuses two sources on the same route', async () => {
    const issues = await issuesOf(`
sources:
  a: { type: jambonz, auth: none, route: /hook }
  b: { type: jambonz, auth: none, route: /hook }
`);
    expect(issues.some((i) => /already used by source a/.test(i.message))).to.equal(true);
  });

  it('names a connector built for another plugin API version and says what to do', async () => {
    const future = { ...defineSink({ type: 'future', description: 'x', config: z.object({}), create: () => ({ deliver: async () => undefined }) }), apiVersion: '99.0.0' };
    expect(() => new ConnectorRegistry().register(future)).to.throw(/future.*plugin API/i);
  });

  it('reads JSON config files too', async () => {
    const config = await load(JSON.stringify({ sources: { pbx: { type: 'jambonz', auth: 'none' } }, sinks: { out: { type: 'console' } }, pipelines: { all: { from: ['pbx'], to: ['out'] } } }));
    expect(config.pipelines[0]!.to).to.deep.equal(['out']);
  });
});
