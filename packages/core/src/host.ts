/**
 * `@callrelay/core/host`: the runtime behind the plugin API, for the CLI, embedders and tests: the
 * runtime and its plugin host, the ingest server, the router, the call tracker, the delivery
 * workers, dead-letter administration, config loading and its reference docs, metrics and logging.
 *
 * Not part of the plugin API: a connector imports `@callrelay/core` only. This entry may change in
 * any release; `packages/core/etc/core-host.api.md` records it for review, not as a contract.
 * @packageDocumentation
 */
// inversify's decorators read design metadata through `Reflect`: load the polyfill before the host.
import 'reflect-metadata';

// Runtime and plugin host.
export { Runtime, type RuntimeOptions } from './runtime/runtime.js';
export { PluginHost, attributed, ConnectorStartError, CONNECTOR_START_FAILED, type HostServices } from './plugin/host.js';
export {
  ConnectorRegistry, isPackageName, supportedRange, type RegisteredConnector, type RefusedPackage, type DiscoveryResult,
} from './plugin/registry.js';
export { findPluginPackages, PLUGIN_KEYWORD, type InstalledPluginPackage } from './plugin/discovery.js';
export { MemoryStore, MemoryWorkQueue, MemoryKeyValueStore } from './store/memory-store.js';
export { TOKENS } from './plugin/tokens.js';
export { registerBuiltins, consoleSink, describeEvent, mapTransform, templateTransform } from './builtins/index.js';
export { RuntimeMetrics } from './runtime/metrics.js';
export { createLogger, type LoggerOptions } from './runtime/logger.js';
export { createRedactor, MIN_SECRET_SUBSTRING_LENGTH, type Redactor } from './util/redact.js';

// Ingest.
export { IngestServer, type IngestServerOptions } from './http/server.js';
export { ingestWebhook, type MountedSource, type IngestAnswer } from './http/ingest.js';
export { finalizeEvents } from './model/finalize.js';

// Routing and the call tracker.
export { Router, type RunnablePipeline } from './pipeline/router.js';
export { matchesWhen, WHEN_OPERATORS } from './pipeline/filter.js';
export { CallTracker, CALLS_NAMESPACE, type CallTrackerOptions } from './tracker/call-tracker.js';
export {
  foldEvent, decideOutcome, outcomeEvent, callKey, callTimes, offersToAgent, awaitsQuietEnd,
  ANSWERED_BY_APP, VOICEMAIL, QUIET_PERIOD, type CallState, type AgentLegState, type DurationLimits,
} from './tracker/call-state.js';

// Delivery.
export { SinkWorker } from './delivery/sink-worker.js';
export { QueueWorker } from './runtime/queue-worker.js';
export { backoffDelay, backoffStep, backoffSchedule, backoffSpan, BACKOFF_JITTER, type BackoffOptions, type ScheduledWait } from './delivery/backoff.js';
export { replayDeadLetters, purgeDeadLetters, selectDeadLetters, type DeadLetterSelection } from './delivery/dead-letters.js';

// Configuration: loading, errors, schema and reference docs.
export { loadConfig, parseConfig, type ResolvedConfig, type ResolvedSource, type ResolvedSink, type ResolvedPipeline } from './config/load.js';
export { ConfigError, formatIssue, CONFIG_ISSUE_CODES, type ConfigIssue, type ConfigIssueCode } from './config/config-error.js';
export {
  deliverySchema, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, type DeliveryOptions, type WhenClause,
} from './config/schema.js';
export { validateWhen, type WhenIssue, type WhenContext } from './config/when-validation.js';
export { CALL_EVENT_FIELDS, lookupField, type EventField, type FieldLookup } from './config/event-fields.js';
export { configJsonSchema } from './config/json-schema.js';
export {
  describeConfig, configReferenceMarkdown, coreSectionReferenceMarkdown, type CoreConfigSection, type ConfigFieldDoc,
} from './config/reference.js';
export {
  connectorPage, connectorExampleYaml, connectorExampleProblems, replaceGeneratedPart, CONFIG_REFERENCE_MARKERS, CONFIG_EXAMPLE_MARKERS,
  type ConnectorPageOptions,
} from './config/connector-page.js';

// Composition: the container modules, lifecycle, reload and the admin listener (for embedders).
export { type ReloadResult } from './runtime/runtime.js';
export { RUNTIME_TOKENS } from './runtime/tokens.js';
export { coreModules } from './runtime/modules/index.js';
export { Lifecycle, STAGES, type Stage, type LifecycleEntry } from './runtime/lifecycle.js';
export { restartNeeded } from './runtime/reload.js';
export { AdminServer, type AdminServerOptions, type ReadinessDetail } from './http/admin-server.js';
export { type HostedConnector } from './plugin/host.js';
export { ContainerModule, Container } from 'inversify';

// Business hours, routing tables, digests (docs/business-hours.md, docs/routing-tables.md).
export { BusinessCalendar, localTime, type CalendarDefinition, type ClosedSpan, type LocalTime } from './calendar/calendar.js';
export { businessHoursSchema, businessHoursSectionSchema, WEEKDAYS, type Weekday, type BusinessHoursConfig } from './calendar/schema.js';
export { icalClosures, type IcalClosures } from './calendar/ical-closures.js';
export { loadCalendars, type CalendarLoadIssue } from './calendar/load-calendars.js';
export { RouteTable, routeTableSchema, routesSectionSchema, type RouteTableConfig, type RouteRow } from './pipeline/route-table.js';
export { callInstant, callTimeZone, type WhenEnvironment } from './pipeline/filter.js';
export { filterStep, routeStep, CORE_STEP_TYPES, type PipelineEnvironment } from './pipeline/core-steps.js';
export { digestEvent, digestQueueName, heldUntil, type HeldDelivery } from './pipeline/digest.js';
export { DigestWorker, type DigestWorkerOptions } from './pipeline/digest-worker.js';
export { CallerHistory, CALLERS_NAMESPACE, customerNumber, localDay, type CallerHistoryOptions } from './tracker/caller-history.js';
