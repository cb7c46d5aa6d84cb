import type { Database } from 'better-sqlite3';

interface PendingOp {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write asked for during one event-loop turn runs in one transaction, and each
 * caller's promise settles after that transaction committed (and, with synchronous=FULL, was
 * fsynced). Each operation runs in its own savepoint, so one failing operation fails alone.
 * Batches are bounded so that one commit never holds the event loop for long.
 */
export class WriteBatcher {
  private queue: PendingOp[] = [];
  private scheduled = false;
  /** Transactions committed (for tests and metrics). */
  commits = 0;

  constructor(private readonly db: Database, private readonly maxBatch = 512) {}

  run<T>(op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs what is pending now (used before closing). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const results: { ok: boolean; value: unknown }[] = [];
      try {
        this.db.transaction(() => {
          for (const op of batch) {
            try {
              results.push({ ok: true, value: this.db.transaction(op.run)() });
            } catch (error) {
              results.push({ ok: false, value: error });
            }
          }
        }).immediate();
        this.commits += 1;
      } catch (error) {
        // The commit itself failed (disk full, database locked too long): every op of the batch failed.
        for (const op of batch) op.reject(error);
        continue;
      }
      batch.forEach((op, i) => (results[i]!.ok ? op.resolve(results[i]!.value) : op.reject(results[i]!.value)));
      if (this.queue.length) {
        // More arrived while committing: yield to I/O first, then commit the next batch.
        this.scheduled = true;
        setImmediate(() => this.flush());
        return;
      }
    }
  }
}
