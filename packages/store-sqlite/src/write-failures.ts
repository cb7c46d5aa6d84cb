import type { Database } from 'better-sqlite3';

/** SQLite's own automatic checkpoint interval, in pages. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/** SQLite result codes of a write the disk refused: full, or an I/O error while writing. */
export function isDiskWriteFailure(code: string | undefined): boolean {
  return code === 'SQLITE_FULL' || (code !== undefined && code.startsWith('SQLITE_IOERR'));
}

/**
 * After a write failed because the disk is full: folds the write-ahead log into the database and
 * truncates it (`wal_checkpoint(TRUNCATE)`) as soon as that works, and from then on checkpoints at
 * SQLite's default interval (1000 pages, ~4 MB) instead of the store's ~40 MB.
 *
 * Why: the store checkpoints only every ~40 MB of WAL (engine.ts: fewer copies of the hot queue
 * pages under load), and SQLite runs that checkpoint only after a commit that succeeded. Queue rows
 * are rewritten on every claim and ack, so the WAL grows much faster than the data (about 90 KB of
 * WAL per webhook posted one at a time, for 2 KB of event). On a disk with less free space than
 * that interval the WAL filled it, every commit failed, none got to the checkpoint, and the store
 * answered 503 until it was restarted; space freed by the operator was eaten again by the WAL
 * within seconds (test/faults/disk-full.test.ts). The checkpoint needs room for the database to
 * take in the WAL's pages (at most the WAL's size); while there is none it fails and is tried again
 * at the next batch, at most once per `minIntervalMs`. The smaller interval costs some throughput
 * (docs/performance.md) and lasts until the node restarts: a disk that filled up once is likely to
 * be short of room again.
 */
export class WalRecovery {
  private due = false;
  private lastAttempt = 0;

  constructor(
    private readonly db: Database,
    private readonly options: { minIntervalMs: number; now: () => number } = { minIntervalMs: 1000, now: Date.now },
  ) {}

  /** Records the code of a failed operation or commit: a disk write failure makes a checkpoint due. */
  noteFailure(code: string | undefined): void {
    if (isDiskWriteFailure(code)) this.due = true;
  }

  /** Whether a checkpoint is waiting for room (for tests and diagnostics). */
  get pending(): boolean {
    return this.due;
  }

  /**
   * After a commit succeeded: room came back, so the due checkpoint runs at once, before the next
   * batches grow the WAL into the room just freed (waiting for the interval let ~70 webhooks' WAL
   * eat 6 MB freed by the operator).
   */
  afterCommit(): void {
    if (this.due) this.checkpoint();
  }

  /** Runs the due checkpoint, if any and not tried within the interval; call it outside a transaction. */
  checkpointIfDue(): void {
    if (!this.due) return;
    if (this.options.now() - this.lastAttempt < this.options.minIntervalMs) return;
    this.checkpoint();
  }

  private checkpoint(): void {
    this.lastAttempt = this.options.now();
    try {
      this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      // busy: another connection still reads an older snapshot (a `callrelay dlq` command): try again later.
      if (result && result.busy === 0) this.due = false;
    } catch {
      // Still no room for the database to grow: the next batch tries again.
    }
  }
}
