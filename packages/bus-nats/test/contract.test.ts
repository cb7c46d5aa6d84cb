import { runStoreContract } from '@callrelay/testkit';
import { NatsStore } from '../src/index.js';
import { describeWithNats, destroyPrefix, natsReachable, NATS_URL, uniquePrefix } from './support.js';

const prefix = uniquePrefix('contract');
// A short ack wait so that leases longer than it exercise the progress signals.
const open = () => NatsStore.open({ servers: [NATS_URL], prefix, ackWaitMs: 1500 });

if (natsReachable) {
  runStoreContract('nats', { open, openPeer: open, cleanup: () => destroyPrefix(prefix) });
} else {
  describeWithNats('store contract: nats', () => undefined);
}
