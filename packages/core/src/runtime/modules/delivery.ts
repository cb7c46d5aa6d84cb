import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PluginHost } from '../../plugin/host.js';
import type { Store } from '../../store/store.js';
import { TOKENS, type Clock } from '../../plugin/tokens.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import { DeliveryEngine } from '../delivery-engine.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RuntimeMetrics } from '../metrics.js';

/**
 * The delivery engine: each sink resolved in its own child container, with its worker. Started
 * before routing (so nothing is routed to a sink that is not delivering yet), stopped after it:
 * in-flight deliveries get `server.shutdownGraceMs`, what does not finish is handed back to the
 * queue, then each sink's container is unbound (its `close`).
 */
export const deliveryModule = new ContainerModule(({ bind, onActivation }) => {
  bind(RUNTIME_TOKENS.DeliveryEngine).toDynamicValue(async (ctx) => {
    const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    const graceMs = config.server.shutdownGraceMs;
    return new DeliveryEngine(ctx.get<PluginHost>(RUNTIME_TOKENS.PluginHost), await ctx.getAsync<Store>(TOKENS.Store), {
      metrics: ctx.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics), logger: ctx.get<Logger>(TOKENS.Logger), clock: ctx.get<Clock>(TOKENS.Clock),
      baseDir: config.baseDir, graceMs: () => graceMs,
    });
  }).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    const engine = () => ctx.getAsync<DeliveryEngine>(RUNTIME_TOKENS.DeliveryEngine);
    lifecycle.add({
      stage: 'delivery', name: 'sinks',
      start: async () => {
        const delivery = await engine();
        delivery.apply(await delivery.prepare(ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).sinks));
      },
      stop: async () => (await engine()).stop(),
    });
    return lifecycle;
  });
});
