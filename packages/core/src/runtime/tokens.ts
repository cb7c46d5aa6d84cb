/**
 * Tokens of the runtime's own services (host side: not part of the plugin API). The core services a
 * connector may use (logger, clock, HTTP client, metrics registry, store) are under `TOKENS`.
 * An embedder rebinds either kind through `RuntimeOptions.modules` or `Runtime.container`.
 */
export const RUNTIME_TOKENS = {
  /** The {@link ResolvedConfig} the node was started (or last reloaded) with. */
  Config: Symbol.for('callrelay.runtime.Config'),
  /** The {@link RuntimeOptions} (fault-test hooks, lease length). */
  Options: Symbol.for('callrelay.runtime.Options'),
  /** {@link Lifecycle}: start and stop order. */
  Lifecycle: Symbol.for('callrelay.runtime.Lifecycle'),
  /** {@link RuntimeMetrics}: the counters and gauges (their registry is `TOKENS.Metrics`). */
  RuntimeMetrics: Symbol.for('callrelay.runtime.RuntimeMetrics'),
  /** {@link PluginHost}: creates each connector instance in its own child container. */
  PluginHost: Symbol.for('callrelay.runtime.PluginHost'),
  /** {@link DeliveryEngine}: the sinks and their workers. */
  DeliveryEngine: Symbol.for('callrelay.runtime.DeliveryEngine'),
  /** {@link Pipelines}: the pipelines routing uses (swapped on reload). */
  Pipelines: Symbol.for('callrelay.runtime.Pipelines'),
  /** {@link CallTracker}. */
  CallTracker: Symbol.for('callrelay.runtime.CallTracker'),
  /** {@link RoutingWorkers}: the routing and timer queue workers. */
  RoutingWorkers: Symbol.for('callrelay.runtime.RoutingWorkers'),
  /** {@link DigestWorker}: sends held deliveries as one digest when business hours open. */
  DigestWorker: Symbol.for('callrelay.runtime.DigestWorker'),
  /** {@link BacklogMonitor}. */
  BacklogMonitor: Symbol.for('callrelay.runtime.BacklogMonitor'),
  /** {@link Sources}: the mounted sources (swapped on reload). */
  Sources: Symbol.for('callrelay.runtime.Sources'),
  /** {@link IngestServer}: the public webhook listener. */
  IngestServer: Symbol.for('callrelay.runtime.IngestServer'),
  /** {@link AdminServer}: metrics and readiness detail on their own listener (absent without `admin`). */
  AdminServer: Symbol.for('callrelay.runtime.AdminServer'),
} as const;
