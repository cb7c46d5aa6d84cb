/**
 * Another process on the same store file, for sqlite.test.ts (spawned with tsx; imports only the
 * store class, so that it starts quickly):
 *   enqueue <file> <sink> <id>   enqueues one delivery and exits cleanly;
 *   crash <file> <sink> <id>     appends an event, enqueues a delivery, leases it for 300 ms, prints
 *                                `leased <event id>` and waits to be killed (SIGKILL) holding the lease.
 */
import type { CallEvent } from '@callrelay/core';
import { SqliteStore } from '../src/sqlite-store.js';

const [mode, file, sink, id] = process.argv.slice(2) as [string, string, string, string];
const store = await SqliteStore.open({ path: file });
const at = new Date().toISOString();
const event: CallEvent = {
  id: `peer-${process.pid}`, source: 'peer', platform: 'test', callId: `peer-call-${process.pid}`,
  type: 'ringing', direction: 'inbound', occurredAt: at, receivedAt: at, raw: null,
};
const delivery = { sinkId: sink, pipeline: 'peer', event };

if (mode === 'enqueue') {
  await store.deliveries(sink).enqueue([{ id, payload: delivery }]);
  await store.close();
} else if (mode === 'crash') {
  await store.append([event]);
  await store.deliveries(sink).enqueue([{ id, payload: delivery }]);
  const leases = await store.deliveries(sink).claim(1, { leaseMs: 300, waitMs: 0 });
  if (leases[0]?.id !== id) throw new Error('peer process could not lease its item');
  process.stdout.write(`leased ${event.id}\n`);
  setInterval(() => undefined, 60_000); // keep holding the lease until killed
} else {
  throw new Error(`unknown mode ${mode}`);
}
