/**
 * A callrelay node for fault tests: `callrelay run` with a hook that SIGKILLs the process right
 * after the n-th durable write named by a point of the routing path (`tracker:state`,
 * `tracker:events`, `tracker:timers`, `routing:deliveries`, `routing:ack`, `timers:ack`).
 * Usage: node --conditions=callrelay-source --import tsx test/support/crash-node.ts <config> [<point> <n>]
 */
import { Runtime } from '@callrelay/core/host';
import { bundledRegistry } from '../../packages/cli/src/bundled.js';
import { loadConfigOrFail } from '../../packages/cli/src/config-file.js';

const [file, point, nth] = process.argv.slice(2);
if (!file) throw new Error('usage: crash-node.ts <config> [<point> <n>]');
let hits = 0;
const config = await loadConfigOrFail(file, await bundledRegistry());
const runtime = new Runtime(config, {
  // Short leases, so a restarted node takes over the killed one's work within the test's time.
  routingLeaseMs: 1500,
  afterWrite: point ? (at) => {
    if (at === point && ++hits === Number(nth)) {
      process.stderr.write(`crash-node: SIGKILL after ${point} #${nth}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  } : undefined,
});
const address = await runtime.start();
process.stderr.write(`callrelay listening on http://127.0.0.1:${address.port}\n`);
process.once('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
