/**
 * @callrelay/core: the canonical call model, the plugin API and host, configuration, the HTTP
 * ingest server, the delivery engine and the call tracker. It imports no connector and no
 * database driver.
 * @packageDocumentation
 */
import 'reflect-metadata';

// The canonical call model.
export * from './model/call-event.js';
export { eventId, sha256Hex } from './model/event-id.js';
export { normalizeParty, toE164 } from './model/phone.js';
export { finalizeEvents } from './model/finalize.js';
export { CallrelayError, ERROR_CODES, hasErrorCode, errorMessage, type ErrorCode } from './errors.js';

// The plugin API: what a connector package uses.
export * from './plugin/define.js';
export * from './plugin/source.js';
export * from './plugin/sink.js';
export type * from './store/store.js';
export { TOKENS, type Clock, type HttpClient } from './plugin/tokens.js';
export {
  secret, isSecret, deliverySchema, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, type DeliveryOptions, type WhenClause,
} from './config/schema.js';
export {
  ipRangeSchema, ipAllowListSchema, secretSchema, secretListSchema, timeZoneSchema, basicAuthSchema, sharedTokenSchema, noAuthSchema, authSchema,
} from './config/shared-schemas.js';
export { z } from 'zod';

// Helpers for connectors: request bodies, verification, loose fields, display.
export { parseJsonBody, parseFormBody, readWebhookParams, looksLikeForm, header } from './util/request-body.js';
export { safeEqual, verifyBasicAuth, verifySharedToken, IpAllowList, parseIpRange, allOf, type IpRange } from './util/verify.js';
export { redactUrl, redactUrls, isCredentialName, createRedactor, REDACTED, MIN_SECRET_SUBSTRING_LENGTH, type Redactor } from './util/redact.js';
export { isTimeZone } from './util/time-zone.js';
export { fieldKeyForm, pickField, hasField, fieldText, fieldNumber, fieldInt, fieldBool, fieldTime, ownEntry } from './util/fields.js';
export { formatDuration } from './util/format.js';
export { fieldAt, matchesWhen } from './pipeline/filter.js';
export { liquid } from './builtins/transforms.js';

// Configuration.
export { loadConfig, parseConfig, type ResolvedConfig, type ResolvedSource, type ResolvedSink, type ResolvedPipeline } from './config/load.js';
export { ConfigError, formatIssue, CONFIG_ISSUE_CODES, type ConfigIssue, type ConfigIssueCode } from './config/config-error.js';
export { validateWhen, type WhenIssue, type WhenContext } from './config/when-validation.js';
export { WHEN_OPERATORS } from './pipeline/filter.js';
export { CALL_EVENT_FIELDS, lookupField, type EventField, type FieldLookup } from './config/event-fields.js';
export { configJsonSchema } from './config/json-schema.js';
export { describeConfig, configReferenceMarkdown, type ConfigFieldDoc } from './config/reference.js';
export { ConnectorRegistry, isPackageName } from './plugin/registry.js';
export { registerBuiltins, consoleSink, describeEvent, mapTransform, templateTransform } from './builtins/index.js';

// The host: runtime, ingest server, delivery engine, call tracker (for embedding and tests).
export { Runtime, type RuntimeOptions } from './runtime/runtime.js';
export { PluginHost, attributed, ConnectorStartError, CONNECTOR_START_FAILED, type HostServices } from './plugin/host.js';
export { IngestServer, type IngestServerOptions } from './http/server.js';
export { ingestWebhook, type MountedSource, type IngestAnswer } from './http/ingest.js';
export { Router, type RunnablePipeline } from './pipeline/router.js';
export { CallTracker, CALLS_NAMESPACE, type CallTrackerOptions } from './tracker/call-tracker.js';
export {
  foldEvent, decideOutcome, outcomeEvent, callKey, callTimes, offersToAgent, awaitsQuietEnd,
  ANSWERED_BY_APP, VOICEMAIL, QUIET_PERIOD, type CallState, type AgentLegState, type DurationLimits,
} from './tracker/call-state.js';
export { SinkWorker } from './delivery/sink-worker.js';
export { QueueWorker } from './runtime/queue-worker.js';
export { settleDelivery } from './delivery/outcome.js';
export { backoffDelay, backoffStep, backoffSchedule, backoffSpan, BACKOFF_JITTER, type BackoffOptions, type ScheduledWait } from './delivery/backoff.js';
export { replayDeadLetters, purgeDeadLetters, selectDeadLetters, type DeadLetterSelection } from './delivery/dead-letters.js';
export { RuntimeMetrics } from './runtime/metrics.js';
export { createLogger, type LoggerOptions } from './runtime/logger.js';
export { CallerHistory, CALLERS_NAMESPACE, customerNumber, localDay, type CallerHistoryOptions } from './tracker/caller-history.js';
