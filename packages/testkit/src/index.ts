/**
 * @callrelay/testkit: what a connector author needs to prove a connector honours the contract:
 * payload fixtures from the vendors' documents, source/sink/store contract suites, local emulators
 * of the Slack and HubSpot APIs, and helpers to build webhooks and connector contexts.
 * @packageDocumentation
 */
// The recorded webhooks and their loader live in @callrelay/fixtures (no test framework, so the CLI
// can use them in production); re-exported so that a connector's tests need only the testkit.
export * from '@callrelay/fixtures';
export * from './webhook.js';
export * from './context.js';
// The in-memory store lives in @callrelay/core (entry `./memory-store`, which needs no host types; the CLI's
// `callrelay test` uses it); re-exported here as before.
export { MemoryStore, MemoryWorkQueue } from '@callrelay/core/memory-store';
export * from './call-harness.js';
export * from './source-contract.js';
export * from './sink-contract.js';
export * from './store-contract.js';
export * from './emulators/slack.js';
export * from './emulators/hubspot.js';
export * from './receiver.js';
export * from './receiver-harness.js';
export * from './connector-page.js';
