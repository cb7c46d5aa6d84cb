import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import type { PluginHost } from '../../plugin/host.js';
import type { Store } from '../../store/store.js';
import { TOKENS, type Clock } from '../../plugin/tokens.js';
import { IngestServer } from '../../http/server.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import { Sources } from '../sources.js';
import type { Lifecycle } from '../lifecycle.js';
import type { RuntimeMetrics } from '../metrics.js';

/**
 * Intake: the sources (each created and started in its own child container) behind the public
 * webhook listener. The last stage to start, the first to stop: new webhooks get 503 while the
 * open requests are answered, then the sources stop.
 */
export const ingestModule = new ContainerModule(({ bind, onActivation }) => {
  bind(RUNTIME_TOKENS.Sources).toDynamicValue((ctx) => new Sources(ctx.get<PluginHost>(RUNTIME_TOKENS.PluginHost), {
    logger: ctx.get<Logger>(TOKENS.Logger), baseDir: ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).baseDir,
  })).inSingletonScope();

  bind(RUNTIME_TOKENS.IngestServer).toDynamicValue(async (ctx) => new IngestServer([], ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).server, {
    store: await ctx.getAsync<Store>(TOKENS.Store), metrics: ctx.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics), logger: ctx.get<Logger>(TOKENS.Logger), clock: ctx.get<Clock>(TOKENS.Clock),
  })).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    const server = () => ctx.getAsync<IngestServer>(RUNTIME_TOKENS.IngestServer);
    lifecycle.add({
      stage: 'ingest', name: 'ingest',
      start: async () => {
        const sources = ctx.get<Sources>(RUNTIME_TOKENS.Sources);
        sources.apply(await sources.prepare(ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).sources));
        const ingest = await server();
        ingest.mount(sources.mounted);
        await ingest.listen();
        ingest.ready = true;
      },
      stop: async () => {
        await (await server()).close();
        await ctx.get<Sources>(RUNTIME_TOKENS.Sources).stop();
      },
    });
    return lifecycle;
  });
});
