import type { ContainerModule } from 'inversify';
import type { ResolvedConfig } from '../../config/load.js';
import type { RuntimeOptions } from '../runtime.js';
import { servicesModule } from './services.js';
import { storeModule } from './store.js';
import { deliveryModule } from './delivery.js';
import { routingModule } from './routing.js';
import { monitorModule } from './monitor.js';
import { ingestModule } from './ingest.js';
import { adminModule } from './admin.js';

/** The container modules of a node, in the order they are loaded (an embedder's come after). */
export function coreModules(config: ResolvedConfig, options: RuntimeOptions): ContainerModule[] {
  return [servicesModule(config, options), storeModule, deliveryModule, routingModule, monitorModule, ingestModule, adminModule];
}

export { servicesModule, storeModule, deliveryModule, routingModule, monitorModule, ingestModule, adminModule };
