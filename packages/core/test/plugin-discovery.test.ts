import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineSink, z } from '@callrelay/core';
import { ConnectorRegistry, configJsonSchema, findPluginPackages } from '@callrelay/core/host';

/** Installed connector packages: found by keyword in node_modules up the tree, registered by package name. */
describe('discovery of installed connector packages', () => {
  let root = '';
  let project = '';
  const install = (at: string, name: string, manifest: Record<string, unknown>, index = "export default { kind: 'sink', type: 'x', apiVersion: '2.2.0', description: 'x', config: {}, create() {} };\n") => {
    const dir = path.join(at, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module', main: 'index.js', ...manifest }));
    writeFileSync(path.join(dir, 'index.js'), index);
  };
  const plugin = { keywords: ['callrelay-plugin', 'callrelay-sink'] };

  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'callrelay-discovery-'));
    project = path.join(root, 'apps', 'pbx');
    mkdirSync(project, { recursive: true });
    install(project, 'callrelay-sink-near', { ...plugin, version: '2.0.0' });
    install(root, 'callrelay-sink-near', { ...plugin, version: '1.0.0' }); // shadowed by the nearer copy
    install(root, '@acme/callrelay-sink-chat', { ...plugin, version: '0.3.0' });
    install(root, '@callrelay/sink-fake', { ...plugin, version: '9.9.9' }); // the bundled scope: skipped
    install(root, 'not-a-plugin', { keywords: ['callrelay'], version: '1.0.0' });
    mkdirSync(path.join(root, 'node_modules', 'no-manifest'), { recursive: true });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('finds packages with the callrelay-plugin keyword from a folder up to the root, scoped ones too, the nearest copy of each', async () => {
    const found = (await findPluginPackages(project)).filter((p) => p.dir.startsWith(root));
    expect(found.map((p) => `${p.name}@${p.version}`)).to.deep.equal(['@acme/callrelay-sink-chat@0.3.0', 'callrelay-sink-near@2.0.0']);
    expect(found[1]!.dir).to.equal(path.join(project, 'node_modules', 'callrelay-sink-near'));
  });

  it('registers each under its package name, keeping its definition; the JSON Schema uses that name as type', async () => {
    const registry = new ConnectorRegistry().register(defineSink({ type: 'chat', description: 'bundled', config: z.object({}), create: () => ({ deliver: async () => undefined }) }));
    const { loaded, refused } = await registry.discover(project);
    expect(refused.filter((r) => r.dir.startsWith(root))).to.deep.equal([]);
    const ours = loaded.filter((c) => c.package?.name.includes('callrelay-sink-'));
    expect(ours.map((c) => [c.configType, c.definition.type, c.package?.version])).to.deep.equal([
      ['@acme/callrelay-sink-chat', 'x', '0.3.0'], ['callrelay-sink-near', 'x', '2.0.0'],
    ]);
    expect(registry.installedTypes('sink')).to.include.members(['chat', '@acme/callrelay-sink-chat', 'callrelay-sink-near']);
    const schema = configJsonSchema(registry) as { properties: { sinks: { additionalProperties: { anyOf: { properties: { type: { const: string } } }[] } } } };
    expect(schema.properties.sinks.additionalProperties.anyOf.map((s) => s.properties.type.const)).to.include.members(['chat', '@acme/callrelay-sink-chat', 'callrelay-sink-near']);
    // resolve() by package name now returns the registered definition.
    expect(await registry.resolve('sink', 'callrelay-sink-near', project)).to.equal(ours[1]!.definition);
  });

  it('a config may name an installed package whose name has no callrelay- prefix: resolve finds it by discovery', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-discovery-name-'));
    try {
      install(dir, 'teams-alerts', plugin);
      const registry = new ConnectorRegistry();
      expect((await registry.resolve('sink', 'teams-alerts', dir)).type).to.equal('x');
      const wrongKind = await registry.resolve('source', 'teams-alerts', dir).then(() => undefined, (err: Error & { code?: string }) => err);
      expect(wrongKind?.code).to.equal('CONNECTOR_KIND_MISMATCH');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a package name that is not installed but close to one that is: the error says which one is', async () => {
    const registry = new ConnectorRegistry();
    const typo = await registry.resolve('sink', 'callrelay-sink-nera', project).then(() => undefined, (err: Error & { code?: string }) => err);
    expect(typo?.code).to.equal('CONNECTOR_NOT_FOUND');
    expect(typo?.message).to.equal('connector package callrelay-sink-nera is not installed; run: npm install callrelay-sink-nera (did you mean "callrelay-sink-near"? it is installed)');
    const unrelated = await registry.resolve('sink', '@other/thing', project).then(() => undefined, (err: Error) => err);
    expect(unrelated?.message).to.equal('connector package @other/thing is not installed; run: npm install @other/thing');
  });

  it('a package that is no connector is refused with its error, without hiding the others', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-discovery-bad-'));
    try {
      install(dir, 'callrelay-sink-empty', plugin, 'export const nothing = 1;\n');
      install(dir, 'callrelay-sink-ok', plugin);
      const { loaded, refused } = await new ConnectorRegistry().discover(dir);
      expect(loaded.map((c) => c.configType)).to.include('callrelay-sink-ok');
      const empty = refused.find((r) => r.name === 'callrelay-sink-empty');
      expect(empty?.error.code).to.equal('CONNECTOR_INVALID');
      expect(empty?.error.message).to.match(/^package callrelay-sink-empty does not export a callrelay connector/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
