/**
 * @callrelay/bus-nats: the store for running several callrelay nodes, on NATS JetStream. Event
 * log, routing, timers and delivery queues, dead letters and call state all live on the NATS
 * cluster; nodes behind a load balancer share them. See docs/operations/scaling.md.
 * @packageDocumentation
 */
import { defineStore } from '@callrelay/core';
import { natsConfig } from './config.js';
import { NatsStore } from './nats-store.js';

export { NatsStore } from './nats-store.js';
export { natsConfig, type NatsConfig, type NatsStoreOptions } from './config.js';
export { natsLayout, streamsOf, token, untoken, type NatsLayout, type QueueAddress } from './names.js';

/** `store: { type: nats, servers: [...] }` */
const nats = defineStore({
  type: 'nats',
  description: 'NATS JetStream store for several nodes: shared event log, leased queues, dead letters and call state on a NATS cluster.',
  config: natsConfig,
  example: { type: 'nats', servers: ['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222'], replicas: 3 },
  create(config, context) {
    return NatsStore.open({ ...config, logger: context.logger.child({ store: 'nats' }), name: `callrelay ${context.id}` });
  },
});
export default nats;
