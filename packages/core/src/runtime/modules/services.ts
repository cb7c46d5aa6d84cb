import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../../config/load.js';
import { TOKENS, type Clock } from '../../plugin/tokens.js';
import { RUNTIME_TOKENS } from '../tokens.js';
import { Lifecycle } from '../lifecycle.js';
import { RuntimeMetrics } from '../metrics.js';
import { createLogger } from '../logger.js';
import type { RuntimeOptions } from '../runtime.js';

const systemClock: Clock = { now: () => Date.now() };

/**
 * The node's configuration and the services every part uses: logger, metrics, clock, HTTP client,
 * and the lifecycle the other modules register their start and stop with. The options' `logger`,
 * `clock` and `http` are shorthands for rebinding these.
 */
export function servicesModule(config: ResolvedConfig, options: RuntimeOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(RUNTIME_TOKENS.Config).toConstantValue(config);
    bind(RUNTIME_TOKENS.Options).toConstantValue(options);
    bind<Logger>(TOKENS.Logger).toDynamicValue(() => options.logger
      ?? createLogger({ level: config.log.level, secretKeys: config.secretKeys, secretValues: config.secretValues })).inSingletonScope();
    bind(RUNTIME_TOKENS.RuntimeMetrics).toDynamicValue(() => new RuntimeMetrics()).inSingletonScope();
    bind(TOKENS.Metrics).toDynamicValue((ctx) => ctx.get<RuntimeMetrics>(RUNTIME_TOKENS.RuntimeMetrics).registry).inSingletonScope();
    bind<Clock>(TOKENS.Clock).toConstantValue(options.clock ?? systemClock);
    bind(TOKENS.HttpClient).toConstantValue(options.http ?? fetch);
    bind(RUNTIME_TOKENS.Lifecycle).toDynamicValue((ctx) => new Lifecycle(ctx.get<Logger>(TOKENS.Logger))).inSingletonScope();
  });
}
