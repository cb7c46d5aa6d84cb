/**
 * `@callrelay/core`: the plugin API, what a connector package (source, sink, transform, store) may
 * use: the canonical call model, the `define*` functions and the contracts they return, the shared
 * config schemas, field readers, verification helpers, outcome helpers and errors.
 *
 * Nothing of the host is here: the runtime, ingest server, router, call tracker, workers and config
 * loader are behind `@callrelay/core/host`, for the CLI and embedders. This entry is a contract:
 * `packages/core/etc/core.api.md` records it, and changing it means changing `PLUGIN_API_VERSION`
 * (see `docs/plugins.md`).
 * @packageDocumentation
 */

// The plugin API version and the connector definitions.
export {
  PLUGIN_API_VERSION, defineSource, defineSink, defineTransform, defineStore,
  type ConnectorKind, type ConfigSchema, type ConnectorContext, type ConnectorDefinition, type DefinitionInput,
  type SourceDefinition, type SinkDefinition, type Transform, type TransformDefinition, type StoreContext,
  type StoreDefinition, type AnyConnectorDefinition,
} from './plugin/define.js';
export type { Clock, HttpClient } from './plugin/tokens.js';

// Source and sink contracts, with the helpers that build their answers.
export {
  badRequest, withBasicAuth, withSharedToken,
  type IncomingWebhook, type OutgoingWebhook, type SignOptions, type VerifyResult, type WebhookReply, type Source,
} from './plugin/source.js';
export {
  permanentFailure, retryableFailure, parseRetryAfter, outcomeForHttpStatus, describeRequestError,
  type DeliveryContext, type DeliveryOutcome, type Sink, type BatchDelivery, type BatchDeliveryContext,
} from './plugin/sink.js';
export { settleDelivery } from './delivery/outcome.js';

// The store contract: a store plugin implements it, connectors use its key-value part as `ctx.state`.
export type * from './store/store.js';

// The canonical call model.
export * from './model/call-event.js';
export { eventId, sha256Hex } from './model/event-id.js';
export { normalizeParty, toE164 } from './model/phone.js';
export { CallrelayError, ERROR_CODES, hasErrorCode, errorMessage, type ErrorCode } from './errors.js';

// Config building blocks: one name each, shared by every connector.
export { secret, isSecret } from './config/schema.js';
export {
  ipRangeSchema, ipAllowListSchema, secretSchema, secretListSchema, timeZoneSchema, basicAuthSchema, sharedTokenSchema, noAuthSchema, authSchema,
} from './config/shared-schemas.js';
export { z } from 'zod';

// Helpers for connectors: request bodies, verification, loose fields, display, templates.
export { parseJsonBody, parseFormBody, readWebhookParams, looksLikeForm, header } from './util/request-body.js';
export { safeEqual, verifyBasicAuth, verifySharedToken, IpAllowList, parseIpRange, allOf, type IpRange } from './util/verify.js';
export { redactUrl, redactUrls, isCredentialName, REDACTED } from './util/redact.js';
export { isTimeZone, formatLocalTime, formatZonedTimestamp } from './util/time-zone.js';
export { fieldKeyForm, pickField, hasField, fieldText, fieldNumber, fieldInt, fieldBool, fieldTime, ownEntry } from './util/fields.js';
export { formatDuration } from './util/format.js';
export { fieldAt } from './pipeline/filter.js';
export { liquid } from './builtins/transforms.js';
