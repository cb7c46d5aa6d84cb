import { type DeadLetter, type Store } from '@callrelay/core';
import {
  Runtime, TOKENS, createLogger, createRedactor, purgeDeadLetters, replayDeadLetters, selectDeadLetters,
  type DeadLetterSelection, type Redactor,
} from '@callrelay/core/host';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure, loadConfigOrFail } from '../config-file.js';
import { EXIT } from '../exit-codes.js';
import { parseBefore } from '../time-arg.js';

/**
 * Opens the store a config file names, without starting sources or sinks, with a redactor for what
 * is printed: dead letters carry reasons written by sinks (a receiver's URL, its answer) and events
 * as received, so the config's secrets and URL credentials are redacted from them.
 */
async function openStore(file: string): Promise<{ store: Store; close: () => Promise<void>; redact: Redactor }> {
  const config = await loadConfigOrFail(file, await bundledRegistry());
  const logger = createLogger({ level: 'warn', secretKeys: config.secretKeys, secretValues: config.secretValues, destination: process.stderr });
  // The node's own container, nothing started: the store is created as `run` creates it, and
  // closed by unbinding it (its deactivation).
  const { container } = new Runtime(config, { logger });
  const store = await container.getAsync<Store>(TOKENS.Store);
  return { store, close: () => container.unbind(TOKENS.Store), redact: createRedactor(config.secretValues) };
}

function describeLetter(l: DeadLetter): string {
  return `${l.id}\n  sink ${l.sinkId} · event ${l.delivery.event.type} ${l.delivery.event.id} · ${l.attempts} attempt(s) · failed ${l.failedAt}\n  reason: ${l.reason}\n`;
}

/** `callrelay dlq list <config>`. */
export async function dlqListCommand(file: string, options: { sink?: string; json?: boolean; limit?: string }): Promise<void> {
  const { store, close, redact } = await openStore(file);
  try {
    const letters = await store.deadLetters.list({ sinkId: options.sink, limit: options.limit ? Number(options.limit) : undefined });
    if (options.json) {
      process.stdout.write(`${redact.json(JSON.stringify(letters, null, 2))}\n`);
      return;
    }
    if (!letters.length) {
      process.stdout.write('no dead letters\n');
      return;
    }
    for (const l of letters) process.stdout.write(redact.text(describeLetter(l)));
    process.stdout.write(`${letters.length} dead letter(s)\n`);
  } finally {
    await close();
  }
}

/** `callrelay dlq replay <config> [ids...]`: back on the sink's queue; a running node delivers them. */
export async function dlqReplayCommand(file: string, ids: string[], options: { sink?: string; all?: boolean }): Promise<void> {
  if (!ids.length && !options.sink && !options.all) {
    throw new CommandFailure('name dead letter ids, or --sink <id>, or --all', EXIT.USAGE);
  }
  const { store, close } = await openStore(file);
  try {
    const replayed = await replayDeadLetters(store, { ids, sinkId: options.sink });
    const missing = ids.filter((id) => !replayed.some((l) => l.id === id));
    for (const l of replayed) process.stdout.write(`replayed ${l.id} to sink ${l.sinkId}\n`);
    process.stdout.write(`${replayed.length} dead letter(s) queued again; a running callrelay node delivers them\n`);
    if (missing.length) throw new CommandFailure(`not found: ${missing.join(', ')}`, EXIT.FAILURE);
  } finally {
    await close();
  }
}

export interface PurgeOptions {
  sink?: string;
  before?: string;
  all?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

/**
 * `callrelay dlq purge <config> [ids...] [--sink id] [--before <date|age>] [--all] [--yes | --dry-run]`:
 * deletes dead letters for good. Every selector given must hold (ids, sink, failed before);
 * `--all` is needed to select without any. Nothing is deleted without `--yes`: the command lists
 * what it would delete and exits 2; `--dry-run` lists it and exits 0.
 */
export async function dlqPurgeCommand(file: string, ids: string[], options: PurgeOptions): Promise<void> {
  if (!ids.length && !options.sink && options.before === undefined && !options.all) {
    throw new CommandFailure('name dead letter ids, or --sink <id>, or --before <date|age>, or --all', EXIT.USAGE);
  }
  if (options.yes && options.dryRun) throw new CommandFailure('--yes and --dry-run exclude each other', EXIT.USAGE);
  const selection: DeadLetterSelection = { ids, sinkId: options.sink };
  if (options.before !== undefined) {
    const before = parseBefore(options.before, Date.now());
    if (before === undefined) {
      throw new CommandFailure(`--before takes a date (2026-01-31, 2026-01-31T12:00Z) or an age (30d, 12h, 90m, 2w), got ${options.before}`, EXIT.USAGE);
    }
    selection.failedBefore = before;
  }
  const { store, close, redact } = await openStore(file);
  try {
    const notFound = (missing: string[]) => (missing.length ? `not found: ${missing.join(', ')}` : undefined);
    if (!options.yes) {
      const { letters, missing } = await selectDeadLetters(store, selection);
      const out = letters.length ? [`would purge ${letters.length} dead letter(s):\n`, ...letters.map(describeLetter)] : ['no dead letters match\n'];
      if (options.dryRun && letters.length) out.push('dry run: nothing deleted\n');
      process.stdout.write(redact.text(out.join('')));
      const problems = [notFound(missing)].filter(Boolean);
      if (options.dryRun || !letters.length) {
        if (problems.length) throw new CommandFailure(problems.join('\n'), EXIT.FAILURE);
        return;
      }
      throw new CommandFailure([...problems, `nothing deleted: run again with --yes to delete these ${letters.length} dead letter(s)`].join('\n'), EXIT.USAGE);
    }
    // Deleted first, printed after: output that stops early (`| head`) never stops the purge.
    const { purged, missing } = await purgeDeadLetters(store, selection);
    process.stdout.write(redact.text([...purged.map((l) => `purged ${l.id} (sink ${l.sinkId}, failed ${l.failedAt})\n`), `${purged.length} dead letter(s) purged\n`].join('')));
    const problem = notFound(missing);
    if (problem) throw new CommandFailure(problem, EXIT.FAILURE);
  } finally {
    await close();
  }
}
