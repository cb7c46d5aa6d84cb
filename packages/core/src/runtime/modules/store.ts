import { ContainerModule } from 'inversify';
import type { ResolvedConfig } from '../../config/load.js';
import type { PluginHost } from '../../plugin/host.js';
import type { Store } from '../../store/store.js';
import { TOKENS } from '../../plugin/tokens.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import type { Lifecycle } from '../lifecycle.js';

/**
 * The store, created by the configured store connector in its own child container, and closed by
 * its binding's deactivation when the last stage stops. An embedder that rebinds `TOKENS.Store`
 * (an in-memory store) owns its closing through its own binding.
 */
export const storeModule = new ContainerModule(({ bind, onActivation, unbind }) => {
  bind<Store>(TOKENS.Store).toDynamicValue(async (ctx) => {
    const config = ctx.get<ResolvedConfig>(RUNTIME_TOKENS.Config);
    return ctx.get<PluginHost>(RUNTIME_TOKENS.PluginHost).createStore(config.store.definition, config.store.options, config.baseDir);
  }).inSingletonScope().onDeactivation((store) => store.close());

  onActivation<Lifecycle>(RUNTIME_TOKENS.Lifecycle, (ctx, lifecycle) => {
    lifecycle.add({ stage: 'store', name: 'store', start: () => ctx.getAsync(TOKENS.Store), stop: () => unbind(TOKENS.Store) });
    return lifecycle;
  });
});
