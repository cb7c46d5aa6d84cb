import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { Store } from '../../store/store.js';
import type { IngestServer } from '../../http/server.js';
import { TOKENS, type Clock } from '../../plugin/tokens.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import { BacklogMonitor } from '../backlog-monitor.js';
import type { DeliveryEngine } from '../delivery-engine.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RuntimeMetrics } from '../metrics.js';

// How often queue depths, the routing lag and the backlog bound are checked.
const BACKLOG_CHECK_MS = 1000;

/** The backlog monitor: queue depths and routing lag, and the bound that makes ingest answer 503. */
export const monitorModule = new ContainerModule(({ bind, onActivation }) => {
  bind(RUNTIME_TOKENS.BacklogMonitor).toDynamicValue(async (ctx) => {
    const engine = await ctx.getAsync<DeliveryEngine>(RUNTIME_TOKENS.DeliveryEngine);
    const clock = ctx.get<Clock>(TOKENS.Clock);
    return new BacklogMonitor(await ctx.getAsync<Store>(TOKENS.Store), () => engine.sinkIds, ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).backlog, {
      metrics: ctx.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics), logger: ctx.get<Logger>(TOKENS.Logger), now: () => clock.now(),
    });
  }).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    let timer: NodeJS.Timeout | undefined;
    lifecycle.add({
      stage: 'monitor', name: 'backlog monitor',
      start: async () => {
        const monitor = await ctx.getAsync<BacklogMonitor>(RUNTIME_TOKENS.BacklogMonitor);
        const server = await ctx.getAsync<IngestServer>(RUNTIME_TOKENS.IngestServer);
        const logger = ctx.get<Logger>(TOKENS.Logger);
        const check = () => monitor.check().then((state) => { server.backlog = state; }, (err: unknown) => logger.debug({ err }, 'reading queue depths failed'));
        // Once before intake opens, so that readiness has its detail from the first request.
        await check();
        timer = setInterval(() => void check(), BACKLOG_CHECK_MS).unref();
      },
      stop: () => clearInterval(timer),
    });
    return lifecycle;
  });
});
