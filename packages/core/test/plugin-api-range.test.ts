import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLUGIN_API_VERSION, defineSink, z } from '@callrelay/core';
import { ConnectorRegistry, supportedRange } from '@callrelay/core/host';
import { versionBumpProblem } from '../scripts/api-report.js';
import { bundledRegistry } from '../../cli/src/bundled.js';

const sink = (extra: Record<string, unknown> = {}) => ({
  ...defineSink({ type: 'chat', description: 'x', config: z.object({}), create: () => ({ deliver: async () => undefined }) }),
  ...extra,
});

describe('plugin API version ranges', () => {
  it('PLUGIN_API_VERSION is a semver version, and a connector defaults to ^ of the version it was built with', () => {
    expect(PLUGIN_API_VERSION).to.match(/^\d+\.\d+\.\d+$/);
    expect(supportedRange(sink())).to.equal(`^${PLUGIN_API_VERSION}`);
    expect(() => new ConnectorRegistry().register(sink())).not.to.throw();
  });

  it('a connector built before versions were semver (integer 2) still loads', () => {
    expect(supportedRange(sink({ apiVersion: 2 }) as never)).to.equal('^2.0.0');
    expect(() => new ConnectorRegistry().register(sink({ apiVersion: 2 }) as never)).not.to.throw();
  });

  it('refuses a plugin for an older API (^1), naming it, both versions and that the plugin is to be upgraded', () => {
    expect(() => new ConnectorRegistry().register(sink({ pluginApi: '^1' }))).to.throw(
      `connector "chat" (sink) supports plugin API ^1, this callrelay implements plugin API ${PLUGIN_API_VERSION}; upgrade chat to a release that supports plugin API 2.x`,
    );
  });

  it('refuses a plugin for a newer API (>=3), saying to upgrade callrelay', () => {
    expect(() => new ConnectorRegistry().register(sink({ pluginApi: '>=3' }))).to.throw(
      `connector "chat" (sink) supports plugin API >=3, this callrelay implements plugin API ${PLUGIN_API_VERSION}; upgrade callrelay to a release whose plugin API satisfies >=3`,
    );
  });

  it('refuses a range that is not semver, and names a package-like type as given', async () => {
    const registry = new ConnectorRegistry();
    // The check that `resolve` runs on a loaded package, reached through register with a package-like type.
    expect(() => registry.register(sink({ type: '@acme/callrelay-sink-chat', pluginApi: '^1' }))).to.throw(/connector "@acme\/callrelay-sink-chat" \(sink\) supports plugin API \^1/);
    expect(() => registry.register(sink({ pluginApi: 'two' }))).to.throw(/declares pluginApi "two", which is not a semver range/);
  });

  it('an npm package built for plugin API 1 is refused when a config names it, by package name and type', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-plugin-range-'));
    try {
      const pkg = path.join(dir, 'node_modules', '@acme', 'callrelay-sink-old');
      mkdirSync(pkg, { recursive: true });
      writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/callrelay-sink-old', version: '1.0.0', type: 'module', main: 'index.js' }));
      // What defineSink of a @callrelay/core with plugin API 1.4.0 wrote.
      writeFileSync(path.join(pkg, 'index.js'), "export default { kind: 'sink', type: 'old', apiVersion: '1.4.0', description: 'x', config: {}, create() {} };\n");
      const refused = await new ConnectorRegistry().resolve('sink', '@acme/callrelay-sink-old', dir).then(() => undefined, (err: Error & { code?: string }) => err);
      expect(refused?.code).to.equal('CONNECTOR_API_MISMATCH');
      expect(refused?.message).to.equal(
        `connector @acme/callrelay-sink-old (sink "old") supports plugin API ^1.4.0, this callrelay implements plugin API ${PLUGIN_API_VERSION}; ` +
        'upgrade @acme/callrelay-sink-old to a release that supports plugin API 2.x (or use a callrelay release whose plugin API is ^1.4.0)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every bundled connector loads', async () => {
    const registry = await bundledRegistry();
    expect(registry.list().length).to.be.greaterThan(5);
    for (const definition of registry.list()) expect(supportedRange(definition), definition.type).to.equal(`^${PLUGIN_API_VERSION}`);
  });

  it('a changed plugin API report needs at least a minor bump', () => {
    expect(versionBumpProblem('2.1.0', '2.1.1')).to.match(/at least a minor bump \(2\.2\.0 for additions, 3\.0\.0 for breaking changes\)/);
    expect(versionBumpProblem('2.1.0', '2.2.0')).to.equal(undefined);
    expect(versionBumpProblem('2.1.0', '3.0.0')).to.equal(undefined);
    expect(versionBumpProblem(2, '2.1.0')).to.equal(undefined);
    expect(versionBumpProblem('2.1.0', '2')).to.match(/not a semver version/);
  });
});
