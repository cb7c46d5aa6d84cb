import { describe, it } from 'mocha';
import { expect } from 'chai';
import { pino } from 'pino';
import { defineSink, defineSource, defineStore, z, type ConnectorContext, type Store } from '@callrelay/core';
import { ConnectorRegistry, Runtime, TOKENS, parseConfig, registerBuiltins } from '@callrelay/core/host';
import { MemoryStore } from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';

/** Connectors that record when they are created, started, stopped and closed, and what config they got. */
function recordingRegistry(log: string[], seen: Record<string, unknown> = {}) {
  const store = defineStore({
    type: 'sqlite', description: 'memory, recorded', config: z.object({ path: z.string().default('x') }),
    create: (config) => {
      log.push(`store created (${config.path})`);
      const memory = new MemoryStore();
      const close = memory.close.bind(memory);
      memory.close = async () => { log.push('store closed'); await close(); };
      return memory;
    },
  });
  const source = defineSource({
    type: 'rec-source', description: 'recorded', config: z.object({ label: z.string() }),
    create: (config, context: ConnectorContext) => {
      seen[`source ${context.id}`] = config.label;
      return {
        verify: () => ({ ok: true }), parse: () => [],
        start: async () => { log.push(`source ${context.id} started`); },
        stop: async () => { log.push(`source ${context.id} stopped`); },
      };
    },
  });
  const sink = defineSink({
    type: 'rec-sink', description: 'recorded', config: z.object({ label: z.string() }),
    create: (config, context: ConnectorContext) => {
      seen[`sink ${context.id}`] = config.label;
      log.push(`sink ${context.id} created`);
      return { deliver: async () => undefined, close: async () => { log.push(`sink ${context.id} closed`); } };
    },
  });
  return registerBuiltins(new ConnectorRegistry()).register(store, source, sink, jambonz);
}

const FILE = [
  'server: { port: 0, shutdownGraceMs: 100 }',
  'sources:', '  pbx: { type: rec-source, label: pbx-label }',
  'sinks:', '  one: { type: rec-sink, label: one-label }', '  two: { type: rec-sink, label: two-label }',
  'pipelines:', '  all: { from: [pbx], to: [one, two] }',
].join('\n');

describe('runtime lifecycle: the order declared by the modules', () => {
  it('starts store, sinks, then sources; stops sources first, then sinks, the store last; each connector created from the config bound in its child container', async () => {
    const log: string[] = [];
    const seen: Record<string, unknown> = {};
    const config = await parseConfig(FILE, { file: 'node.yaml', registry: recordingRegistry(log, seen), env: {}, baseDir: '/tmp' });
    const runtime = new Runtime(config, { logger: pino({ level: 'silent' }) });
    await runtime.start();
    expect(log).to.deep.equal(['store created (x)', 'sink one created', 'sink two created', 'source pbx started']);
    expect(seen).to.deep.equal({ 'sink one': 'one-label', 'sink two': 'two-label', 'source pbx': 'pbx-label' });
    log.length = 0;
    await runtime.stop();
    expect(log.slice(0, 1)).to.deep.equal(['source pbx stopped']);
    expect(log.slice(1, 3).sort()).to.deep.equal(['sink one closed', 'sink two closed']);
    expect(log.slice(3)).to.deep.equal(['store closed']);
    // Safe to call twice.
    await runtime.stop();
    expect(log).to.have.length(4);
  });

  it('a start failure releases what was opened, in the same order, and is thrown attributed', async () => {
    const log: string[] = [];
    const registry = recordingRegistry(log).register(defineSource({
      type: 'broken', description: 'fails to start', config: z.object({}),
      create: () => ({ verify: () => ({ ok: true }), parse: () => [], start: async () => { throw new Error('port in use'); } }),
    }));
    const config = await parseConfig(FILE.replace('pbx: { type: rec-source, label: pbx-label }', 'pbx: { type: broken }'), { file: 'node.yaml', registry, env: {}, baseDir: '/tmp' });
    const runtime = new Runtime(config, { logger: pino({ level: 'silent' }) });
    const err = await runtime.start().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.equal('starting source "pbx" (broken): port in use');
    expect(log.slice(-1)).to.deep.equal(['store closed']);
    expect(log.filter((l) => l.endsWith('closed')).sort()).to.deep.equal(['sink one closed', 'sink two closed', 'store closed']);
  });

  it('an embedder\'s store is used instead of the configured one, which is never created', async () => {
    const log: string[] = [];
    const config = await parseConfig(FILE, { file: 'node.yaml', registry: recordingRegistry(log), env: {}, baseDir: '/tmp' });
    const mine = new MemoryStore();
    const runtime = new Runtime(config, { logger: pino({ level: 'silent' }) });
    (await runtime.container.rebind<Store>(TOKENS.Store)).toConstantValue(mine);
    await runtime.start();
    expect(runtime.openStore).to.equal(mine);
    await runtime.stop();
    expect(log.filter((l) => l.startsWith('store'))).to.deep.equal([]);
  });

  it('reload keeps unchanged connectors, creates new ones, closes removed ones; a connector that fails to start leaves the node as it was', async () => {
    const log: string[] = [];
    const registry = recordingRegistry(log).register(defineSource({
      type: 'broken', description: 'fails to start', config: z.object({}),
      create: () => ({ verify: () => ({ ok: true }), parse: () => [], start: async () => { throw new Error('port in use'); } }),
    }));
    const load = (text: string) => parseConfig(text, { file: 'node.yaml', registry, env: {}, baseDir: '/tmp' });
    const runtime = new Runtime(await load(FILE), { logger: pino({ level: 'silent' }) });
    await runtime.start();
    try {
      log.length = 0;
      const changed = FILE.replace('  two: { type: rec-sink, label: two-label }', '  three: { type: rec-sink, label: three-label }').replace('to: [one, two]', 'to: [one, three]');
      expect(await runtime.reload(await load(changed))).to.deep.equal({ applied: true, problems: [] });
      expect(log).to.deep.equal(['sink three created', 'sink two closed']);
      expect(runtime.config.sinks.map((s) => s.id)).to.deep.equal(['one', 'three']);

      log.length = 0;
      const failing = await load(changed.replace('  three: { type: rec-sink, label: three-label }', '  three: { type: rec-sink, label: three-label }\n  four: { type: rec-sink, label: four }')
        .replace('pbx: { type: rec-source, label: pbx-label }', 'pbx: { type: broken }').replace('to: [one, three]', 'to: [one, three, four]'));
      const refused = await runtime.reload(failing);
      expect(refused).to.deep.equal({ applied: false, problems: ['starting source "pbx" (broken): port in use'] });
      // The sink created for it is closed again; the running ones are untouched.
      expect(log).to.deep.equal(['sink four created', 'sink four closed']);
      expect(runtime.config.sinks.map((s) => s.id)).to.deep.equal(['one', 'three']);

      const restart = await runtime.reload(await load(changed.replace('port: 0,', 'port: 0, maxConnections: 10,')));
      expect(restart).to.deep.equal({ applied: false, problems: ['changing server needs a restart'] });
      const secret = await runtime.reload(await load(changed.replace('pbx: { type: rec-source, label: pbx-label }', 'pbx: { type: jambonz, auth: { basic: { username: u, password: a-new-password } } }')));
      expect(secret).to.deep.equal({ applied: false, problems: ['a new secret value needs a restart (the log redacts the secrets it was started with)'] });
    } finally {
      await runtime.stop();
    }
  });
});
