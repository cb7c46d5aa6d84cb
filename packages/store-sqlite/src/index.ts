import path from 'node:path';
import { defineStore, z } from '@callrelay/core';
import { SqliteStore } from './sqlite-store.js';

export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { SqliteEngine } from './engine.js';

/** The config keys of the `sqlite` store (the loader adds `type`). */
export const sqliteConfig = z.object({
  path: z.string().min(1).default('callrelay.db')
    .meta({ description: 'The database file, relative to the config file. Created with its folder when missing. `:memory:` keeps nothing across restarts (logged as a warning).', examples: ['data/callrelay.db', '/var/lib/callrelay/callrelay.db'] }),
  synchronous: z.enum(['full', 'normal']).default('full')
    .meta({ description: 'SQLite `synchronous` in WAL mode. `full`: every commit is fsynced before webhooks are acknowledged (survives power loss; group commit shares one fsync among the webhooks of a batch). `normal`: faster; survives a process crash but may lose the last commits on power loss.', examples: ['full'] }),
  busyTimeoutMs: z.number().int().min(0).default(5000).meta({ description: 'How long to wait for a lock held by another process on the same file.', examples: [5000] }),
  pollIntervalMs: z.number().int().min(10).default(200).meta({ description: 'How often idle workers look for work written by another process (e.g. `callrelay dlq replay`). Work from this process wakes them at once.', examples: [200] }),
  settledRetentionHours: z.number().min(1).default(168).meta({ description: 'How long settled deliveries are remembered (re-enqueuing one within this window is a no-op).', examples: [168] }),
  eventRetentionDays: z.number().min(1).default(30).meta({ description: 'How long events stay in the log (and platform retries are recognised as duplicates).', examples: [30] }),
});
/** The parsed config of the `sqlite` store. */
export type SqliteConfig = z.output<typeof sqliteConfig>;

/** The embedded default store: one SQLite file, no server. */
const sqlite = defineStore({
  type: 'sqlite',
  description: 'Embedded store: event log, delivery queues, dead letters and call state in one SQLite file (WAL, group commit).',
  config: sqliteConfig,
  example: { type: 'sqlite', path: 'data/callrelay.db' },
  create(config, context) {
    const file = config.path === ':memory:' ? ':memory:' : path.resolve(context.baseDir, config.path);
    if (file === ':memory:') context.logger.warn('sqlite store in memory: nothing survives a restart');
    return SqliteStore.open({
      path: file,
      synchronous: config.synchronous,
      busyTimeoutMs: config.busyTimeoutMs,
      pollIntervalMs: config.pollIntervalMs,
      settledRetentionMs: config.settledRetentionHours * 3_600_000,
      eventRetentionMs: config.eventRetentionDays * 86_400_000,
    });
  },
});
export default sqlite;
