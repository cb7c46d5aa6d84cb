import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PluginHost } from '../../plugin/host.js';
import type { Store } from '../../store/store.js';
import { TOKENS, type Clock } from '../../plugin/tokens.js';
import { CallTracker } from '../../tracker/call-tracker.js';
import { CallerHistory } from '../../tracker/caller-history.js';
import { DigestWorker } from '../../pipeline/digest-worker.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import { Pipelines } from '../pipelines.js';
import { RoutingWorkers } from '../routing-workers.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RuntimeMetrics } from '../metrics.js';
import type { RuntimeOptions } from '../runtime.js';

// Routing a batch takes milliseconds; after a crash, its leased events are handed out again after this.
const LEASE_MS = 10_000;

/**
 * Routing: the call tracker, the pipelines (their transforms each in a child container) and the
 * workers of the routing and timer queues. Stopped right after intake, before the sinks.
 */
export const routingModule = new ContainerModule(({ bind, onActivation }) => {
  bind(RUNTIME_TOKENS.Pipelines).toDynamicValue((ctx) => {
    const clock = ctx.get<Clock>(TOKENS.Clock);
    return new Pipelines(ctx.get<PluginHost>(RUNTIME_TOKENS.PluginHost), {
      logger: ctx.get<Logger>(TOKENS.Logger), baseDir: ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).baseDir, now: () => clock.now(),
    });
  }).inSingletonScope();

  bind(RUNTIME_TOKENS.CallTracker).toDynamicValue(async (ctx) => {
    const { tracker } = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    const clock = ctx.get<Clock>(TOKENS.Clock);
    return new CallTracker(await ctx.getAsync<Store>(TOKENS.Store), {
      callTimeoutMs: tracker.callTimeoutMs, settleMs: tracker.settleMs, quietMs: tracker.quietMs,
      now: () => clock.now(), logger: ctx.get<Logger>(TOKENS.Logger), afterWrite: ctx.get<RuntimeOptions>(RUNTIME_TOKENS.Options).afterWrite,
    });
  }).inSingletonScope();

  bind(RUNTIME_TOKENS.RoutingWorkers).toDynamicValue(async (ctx) => {
    const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    const options = ctx.get<RuntimeOptions>(RUNTIME_TOKENS.Options);
    const store = await ctx.getAsync<Store>(TOKENS.Store);
    return new RoutingWorkers(
      store, ctx.get<Pipelines>(RUNTIME_TOKENS.Pipelines), await ctx.getAsync<CallTracker>(RUNTIME_TOKENS.CallTracker), {
        trackCalls: config.tracker.enabled,
        // Repeat callers and callbacks, from the outcomes the tracker derives.
        callers: config.tracker.enabled ? new CallerHistory(store, {
          callbackWindowMs: config.tracker.callbackWindowMs, timeZone: config.tracker.timeZone, logger: ctx.get<Logger>(TOKENS.Logger),
        }) : undefined,
        leaseMs: options.routingLeaseMs ?? LEASE_MS, logger: ctx.get<Logger>(TOKENS.Logger),
        metrics: ctx.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics), afterWrite: options.afterWrite,
      });
  }).inSingletonScope();

  // Digests: deliveries of pipelines with `digest` held while their business hours are closed.
  bind(RUNTIME_TOKENS.DigestWorker).toDynamicValue(async (ctx) => {
    const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    const options = ctx.get<RuntimeOptions>(RUNTIME_TOKENS.Options);
    const clock = ctx.get<Clock>(TOKENS.Clock);
    const holds = config.pipelines.flatMap((p) => (p.digest ? p.to.map((sinkId) => ({ pipeline: p.id, sinkId })) : []));
    return new DigestWorker(await ctx.getAsync<Store>(TOKENS.Store), holds, {
      now: () => clock.now(), logger: ctx.get<Logger>(TOKENS.Logger), leaseMs: Math.max(options.routingLeaseMs ?? LEASE_MS, 30_000),
      recheckMs: options.digestRecheckMs, afterWrite: options.afterWrite,
    });
  }).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    const graceMs = () => ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).server.shutdownGraceMs;
    lifecycle.add({
      stage: 'routing', name: 'routing',
      start: async () => {
        const pipelines = ctx.get<Pipelines>(RUNTIME_TOKENS.Pipelines);
        const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
        await pipelines.apply(await pipelines.prepare(config.pipelines, config.environment));
        (await ctx.getAsync<RoutingWorkers>(RUNTIME_TOKENS.RoutingWorkers)).start();
        (await ctx.getAsync<DigestWorker>(RUNTIME_TOKENS.DigestWorker)).start();
      },
      stop: async () => {
        await (await ctx.getAsync<RoutingWorkers>(RUNTIME_TOKENS.RoutingWorkers)).stop(graceMs());
        await (await ctx.getAsync<DigestWorker>(RUNTIME_TOKENS.DigestWorker)).stop(graceMs());
        await ctx.get<Pipelines>(RUNTIME_TOKENS.Pipelines).stop();
      },
    });
    return lifecycle;
  });
});
