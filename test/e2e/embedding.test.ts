import { describe, it } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { defineSink, z, type CallEvent, type Clock, type ConnectorContext } from '@callrelay/core';
import { ContainerModule, Runtime, TOKENS, parseConfig } from '@callrelay/core/host';
import { MemoryStore, loadFixtures } from '@callrelay/testkit';
import { bundledRegistry } from '../../packages/cli/src/bundled.js';
import { eventually } from '../support/callrelay-process.js';

/** A clock that moves only when the test says so. */
class FakeClock implements Clock {
  constructor(public time: number) {}
  now(): number { return this.time; }
}

describe('embedding: services rebound through the container', () => {
  it('a fake clock and an in-memory store replace the real ones: the missed call is decided when the fake clock passes the settle window, and nothing is written to disk', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-embed-'));
    const received: CallEvent[] = [];
    let sinkContext: ConnectorContext | undefined;
    const registry = (await bundledRegistry()).register(defineSink({
      type: 'recorder', description: 'records what it is given', config: z.object({}),
      create: (_config, context) => {
        sinkContext = context;
        return { deliver: async (event) => { received.push(event); } };
      },
    }));
    // The file names the SQLite store (the default); the embedder's binding replaces it.
    const settleMs = 600_000;
    const config = await parseConfig([
      'server: { port: 0 }',
      `tracker: { settleMs: ${settleMs} }`,
      'sources:', '  pbx: { type: jambonz, auth: none }',
      'sinks:', '  alerts: { type: recorder }',
      'pipelines:', '  missed: { from: [pbx], when: { type: missed }, to: [alerts] }',
    ].join('\n'), { file: path.join(dir, 'callrelay.yaml'), registry, env: {}, baseDir: dir });

    const clock = new FakeClock(Date.now());
    const embedder = new ContainerModule(({ rebindSync }) => {
      rebindSync<Clock>(TOKENS.Clock).toConstantValue(clock);
      // The store reads time from the node's clock, resolved in the container like any service.
      rebindSync(TOKENS.Store).toDynamicValue((ctx) => new MemoryStore({ now: () => ctx.get<Clock>(TOKENS.Clock).now() })).inSingletonScope();
    });
    const runtime = new Runtime(config, { logger: pino({ level: 'silent' }), modules: [embedder] });
    try {
      const address = await runtime.start();
      const store = runtime.openStore;
      expect(store).to.be.instanceOf(MemoryStore);
      expect(sinkContext?.clock).to.equal(clock);

      const fixture = loadFixtures('jambonz').find((f) => f.name === 'jambonz/status-missed-caller-hangup')!;
      for (const request of fixture.requests) {
        const response = await fetch(`http://127.0.0.1:${address.port}/hooks/pbx`, { method: 'POST', headers: { 'content-type': request.contentType ?? 'application/json' }, body: request.body });
        expect(response.status).to.equal(200);
      }
      const memory = store as MemoryStore;
      // Routed, the call ended, its settle timer waiting on the fake clock: nothing decided yet.
      await eventually(async () => (await memory.routing.depth()) === 0 && memory.timers.nextDue() === clock.time + settleMs ? true : undefined, 10_000, 'the settle timer');
      expect(received).to.deep.equal([]);

      clock.time += settleMs + 1;
      const missed = await eventually(() => (received.length ? received : undefined), 10_000, 'the missed call at the sink');
      expect(missed.map((e) => e.type)).to.deep.equal(['missed']);
      expect(missed[0]!.callId).to.equal(memory.events.values().next().value!.callId);
    } finally {
      await runtime.stop();
    }
    expect(readdirSync(dir)).to.deep.equal([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
