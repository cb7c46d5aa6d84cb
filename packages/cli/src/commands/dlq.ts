import { replayDeadLetters, type Store } from '@callrelay/core';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure, loadConfigOrFail } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { createLogger } from '@callrelay/core';

/** Opens the store a config file names, without starting sources or sinks. */
async function openStore(file: string): Promise<Store> {
  const config = await loadConfigOrFail(file, await bundledRegistry());
  const { Registry } = await import('prom-client');
  const logger = createLogger({ level: 'warn', secretKeys: config.secretKeys, destination: process.stderr });
  return config.store.definition.create(config.store.options as never, {
    id: 'store', logger, clock: { now: () => Date.now() }, http: fetch, metrics: new Registry(), baseDir: config.baseDir,
  });
}

/** `callrelay dlq list <config>`. */
export async function dlqListCommand(file: string, options: { sink?: string; json?: boolean; limit?: string }): Promise<void> {
  const store = await openStore(file);
  try {
    const letters = await store.deadLetters.list({ sinkId: options.sink, limit: options.limit ? Number(options.limit) : undefined });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
      return;
    }
    if (!letters.length) {
      process.stdout.write('no dead letters\n');
      return;
    }
    for (const l of letters) {
      process.stdout.write(`${l.id}\n  sink ${l.sinkId} · event ${l.delivery.event.type} ${l.delivery.event.id} · ${l.attempts} attempt(s) · failed ${l.failedAt}\n  reason: ${l.reason}\n`);
    }
    process.stdout.write(`${letters.length} dead letter(s)\n`);
  } finally {
    await store.close();
  }
}

/** `callrelay dlq replay <config> [ids...]`: back on the sink's queue; a running node delivers them. */
export async function dlqReplayCommand(file: string, ids: string[], options: { sink?: string; all?: boolean }): Promise<void> {
  if (!ids.length && !options.sink && !options.all) {
    throw new CommandFailure('name dead letter ids, or --sink <id>, or --all', EXIT.USAGE);
  }
  const store = await openStore(file);
  try {
    const replayed = await replayDeadLetters(store, { ids, sinkId: options.sink });
    const missing = ids.filter((id) => !replayed.some((l) => l.id === id));
    for (const l of replayed) process.stdout.write(`replayed ${l.id} to sink ${l.sinkId}\n`);
    process.stdout.write(`${replayed.length} dead letter(s) queued again; a running callrelay node delivers them\n`);
    if (missing.length) throw new CommandFailure(`not found: ${missing.join(', ')}`, EXIT.FAILURE);
  } finally {
    await store.close();
  }
}
