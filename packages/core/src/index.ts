/**
 * @callrelay/core: the canonical call model, the plugin API and host, configuration, the HTTP
 * ingest server, the delivery engine and the call tracker. It imports no connector and no
 * database driver.
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './model/call-event.js';
export { eventId, sha256Hex } from './model/event-id.js';
export { normalizeParty, toE164 } from './model/phone.js';
export { CallrelayError, ERROR_CODES, hasErrorCode, errorMessage, type ErrorCode } from './errors.js';

export * from './plugin/define.js';
export * from './plugin/source.js';
export * from './plugin/sink.js';
export { TOKENS, type Clock, type HttpClient } from './plugin/tokens.js';
export { ConnectorRegistry, isPackageName } from './plugin/registry.js';
export type * from './store/store.js';

export { parseJsonBody, parseFormBody, readWebhookParams, looksLikeForm, header } from './util/request-body.js';
export { safeEqual, verifyBasicAuth, verifySharedToken, IpAllowList, allOf } from './util/verify.js';

export { secret, isSecret, deliverySchema, type DeliveryOptions, type WhenClause } from './config/schema.js';
export { loadConfig, parseConfig, type ResolvedConfig, type ResolvedSource, type ResolvedSink, type ResolvedPipeline } from './config/load.js';
export { ConfigError, formatIssue, type ConfigIssue } from './config/config-error.js';
export { z } from 'zod';
