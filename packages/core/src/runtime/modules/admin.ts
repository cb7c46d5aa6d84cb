import { existsSync } from 'node:fs';
import path from 'node:path';
import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResolvedConfig } from '../../config/load.js';
import type { IngestServer } from '../../http/server.js';
import { TOKENS } from '../../plugin/tokens.js';
import { AdminServer } from '../../http/admin-server.js';
import { mountAdminApi } from '../../http/admin-api/routes.js';
import { mountConsoleAssets } from '../../http/admin-api/static-assets.js';
import type { Store } from '../../store/store.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Sources } from '../sources.js';

const CORE_VERSION = '0.1.0';

/**
 * Where the console's built page is: `@callrelay/console` (installed with the CLI) exports the
 * folder. Looked up by name at run time, so the core does not depend on it; absent, the admin
 * listener serves the API alone.
 */
async function consoleAssetsDir(): Promise<string | undefined> {
  const name = '@callrelay/console';
  try {
    const mod = (await import(name)) as { assetsDir?: string };
    // Installed but not built (a checkout before `npm run build`): no page rather than no listener.
    return mod.assetsDir && existsSync(path.join(mod.assetsDir, 'index.html')) ? mod.assetsDir : undefined;
  } catch {
    return undefined;
  }
}

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
    const logger = ctx.get<Logger>(TOKENS.Logger);
    const metrics = ctx.get<Registry>(TOKENS.Metrics);
    const admin = new AdminServer(config.admin!, {
      metrics, logger,
      readiness: () => ({ ...ingest.readiness(), sources: sources.mounted.map((s) => ({ id: s.id, route: s.route })) }),
    });
    const api = mountAdminApi(admin, {
      store: await ctx.getAsync<Store>(TOKENS.Store), metrics, version: CORE_VERSION,
      // The configuration a reload applied, not the one the node started with.
      config: () => ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config),
    });
    admin.whenClosing(() => api.close());
    const assets = await consoleAssetsDir();
    if (assets) mountConsoleAssets(admin.open, assets);
    else logger.debug('@callrelay/console is not installed (or not built): the admin listener serves the API without the page');
    return admin;
  }).inSingletonScope();

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    if (!ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config).admin) return lifecycle;
    const admin = () => ctx.getAsync<AdminServer>(RUNTIME_TOKENS.AdminServer);
    lifecycle.add({ stage: 'admin', name: 'admin listener', start: async () => (await admin()).listen(), stop: async () => (await admin()).close() });
    return lifecycle;
  });
});
