import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResolvedConfig } from '../../config/load.js';
import type { IngestServer } from '../../http/server.js';
import { TOKENS } from '../../plugin/tokens.js';
import { AdminServer } from '../../http/admin-server.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Sources } from '../sources.js';

/**
 * The admin listener (`admin` in the file; nothing without it): metrics and readiness detail.
 * Opened right after the store, so that a node still starting (or draining) can be looked at; closed
 * just before the store.
 */
export const adminModule = new ContainerModule(({ bind, onActivation }) => {
  bind(RUNTIME_TOKENS.AdminServer).toDynamicValue(async (ctx) => {
    const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    const ingest = await ctx.getAsync<IngestServer>(RUNTIME_TOKENS.IngestServer);
    const sources = ctx.get<Sources>(RUNTIME_TOKENS.Sources);
    return new AdminServer(config.admin!, {
      metrics: ctx.get<Registry>(TOKENS.Metrics), logger: ctx.get<Logger>(TOKENS.Logger),
      readiness: () => ({ ...ingest.readiness(), sources: sources.mounted.map((s) => ({ id: s.id, route: s.route })) }),
    });
  }).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    if (!ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).admin) return lifecycle;
    const admin = () => ctx.getAsync<AdminServer>(RUNTIME_TOKENS.AdminServer);
    lifecycle.add({ stage: 'admin', name: 'admin listener', start: async () => (await admin()).listen(), stop: async () => (await admin()).close() });
    return lifecycle;
  });
});
