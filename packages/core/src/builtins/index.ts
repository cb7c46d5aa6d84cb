import type { ConnectorRegistry } from '../plugin/registry.js';
import { consoleSink } from './console-sink.js';
import { mapTransform, templateTransform } from './transforms.js';

export { consoleSink, describeEvent } from './console-sink.js';
export { mapTransform, templateTransform, liquid } from './transforms.js';

/** Registers the connectors that ship with the core (console sink, map and template transforms). */
export function registerBuiltins(registry: ConnectorRegistry): ConnectorRegistry {
  return registry.register(consoleSink, mapTransform, templateTransform);
}
