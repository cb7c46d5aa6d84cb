/**
 * The store's writer thread: owns the SQLite connection and group-commits. Every operation that
 * arrives while a commit is in progress joins the next transaction, so under load one fsync covers
 * many webhooks, and the main thread never waits on disk.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CasConflict, SqliteEngine, type EngineOp, type EngineOptions } from './engine.js';
import { WalRecovery } from './write-failures.js';

interface Request { id: number; call: EngineOp }
export interface Reply { id: number; ok: boolean; value?: unknown; error?: { message: string; code?: string; cas?: boolean } }

const MAX_BATCH = 1024;
const COMMIT_DELAY_MS = Number(process.env.CALLRELAY_SQLITE_COMMIT_DELAY_MS ?? 0);

/**
 * better-sqlite3's SqliteError loses its message when the thread's failure is cloned to the main
 * thread (only enumerable properties survive), so it is rethrown as a plain Error that keeps both.
 */
function openEngine(options: EngineOptions): SqliteEngine {
  try {
    return new SqliteEngine(options);
  } catch (err) {
    throw Object.assign(new Error((err as Error).message), { code: (err as { code?: string }).code });
  }
}

const engine = openEngine(workerData as EngineOptions);
const walRecovery = new WalRecovery(engine.db);
const pending: Request[] = [];
let scheduled = false;
let opsTotal = 0;

function run(call: EngineOp): unknown {
  return (engine[call.op] as (...args: unknown[]) => unknown)(...call.args);
}

function flush(): void {
  scheduled = false;
  while (pending.length) {
    walRecovery.checkpointIfDue();
    const batch = pending.splice(0, MAX_BATCH);
    opsTotal += batch.length;
    const replies: Reply[] = [];
    try {
      engine.db.transaction(() => {
        for (const request of batch) {
          try {
            // Each operation in its own savepoint: a failing one (CAS conflict) fails alone.
            replies.push({ id: request.id, ok: true, value: engine.db.transaction(() => run(request.call))() });
          } catch (err) {
            walRecovery.noteFailure((err as { code?: string }).code);
            replies.push({ id: request.id, ok: false, error: { message: (err as Error).message, code: (err as { code?: string }).code, cas: err instanceof CasConflict } });
          }
        }
      }).immediate();
      engine.commits += 1;
      walRecovery.afterCommit();
    } catch (err) {
      // The commit itself failed (disk full, locked too long): every operation of the batch failed.
      walRecovery.noteFailure((err as { code?: string }).code);
      replies.length = 0;
      for (const request of batch) replies.push({ id: request.id, ok: false, error: { message: (err as Error).message, code: (err as { code?: string }).code } });
    }
    parentPort!.postMessage(replies);
  }
}

parentPort!.on('message', (message: Request | 'close') => {
  if (message === 'close') {
    flush();
    if (process.env.CALLRELAY_SQLITE_STATS) process.stderr.write(`sqlite worker: ${engine.commits} commits, ${opsTotal} ops\n`);
    engine.close();
    parentPort!.postMessage('closed');
    return;
  }
  pending.push(message);
  if (pending.length >= MAX_BATCH) {
    flush();
  } else if (!scheduled) {
    scheduled = true;
    // Operations that arrive while a commit runs join the next one (group commit). An optional
    // commit delay gathers even more per transaction; measured: fewer commits, no more throughput
    // on 2 cores (docs/performance.md), so it is off by default.
    if (COMMIT_DELAY_MS > 0) setTimeout(flush, COMMIT_DELAY_MS);
    else setImmediate(flush);
  }
});
