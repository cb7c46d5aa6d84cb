import { randomInt } from 'node:crypto';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { ClaimedRow } from './engine.js';

/** The name the store and the engine give the routing queue. */
export const ROUTING_QUEUE = '_routing';

export const ROUTING_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS routing_leases (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  -- the end of the current lease, or when a handed-back item may be handed out again
  ready_at INTEGER NOT NULL,
  lease_token INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  deliveries INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS routing_leases_ready ON routing_leases (ready_at, seq);
`;

const HWM = 'routing_hwm';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stmt = Statement<any[]>;

/**
 * The routing queue as a read offset over the event log instead of a queue row per event: the
 * event log already holds every event in order (`events.seq`), so routing keeps one high-water
 * mark (the last event handed out) and a row only for the events handed out and not yet settled
 * (`routing_leases`, deleted on ack). Per event that saves the queue row's insert, its lease and
 * ack updates and its later prune (docs/performance.md). Semantics are those of every work queue:
 * a lease that expires is handed out again, a retry waits its delay, an ack with a stale token is
 * ignored. Claims run inside the writer's transactions, so processes sharing the file never hand
 * the same event out twice at once.
 */
export class RoutingLog {
  private readonly s: Record<string, Stmt>;

  constructor(private readonly db: Db) {
    this.s = {
      hwm: db.prepare(`SELECT value FROM counters WHERE name = '${HWM}'`),
      setHwm: db.prepare(`INSERT INTO counters (name, value) VALUES ('${HWM}', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`),
      due: db.prepare(`UPDATE routing_leases SET ready_at = @leaseUntil, lease_token = @token, deliveries = deliveries + 1
        WHERE id IN (SELECT id FROM routing_leases WHERE ready_at <= @now ORDER BY ready_at, seq LIMIT @max)
        RETURNING id, seq, attempts, deliveries`),
      fresh: db.prepare('SELECT seq, id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      lease: db.prepare('INSERT OR IGNORE INTO routing_leases (id, seq, ready_at, lease_token, deliveries) VALUES (?, ?, ?, ?, 1)'),
      body: db.prepare('SELECT body FROM events WHERE id = ?'),
      ack: db.prepare('DELETE FROM routing_leases WHERE id = ? AND lease_token = ?'),
      retry: db.prepare('UPDATE routing_leases SET ready_at = @readyAt, lease_token = 0, attempts = attempts + @add WHERE id = @id AND lease_token = @token'),
      extend: db.prepare('UPDATE routing_leases SET ready_at = @leaseUntil WHERE id = @id AND lease_token = @token'),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events'),
      leased: db.prepare('SELECT COUNT(*) AS n FROM routing_leases'),
      unrouted: db.prepare('SELECT COUNT(*) AS n FROM events WHERE seq > ?'),
      nextLease: db.prepare('SELECT MIN(ready_at) AS t FROM routing_leases'),
      oldestFresh: db.prepare('SELECT stored_at AS t FROM events WHERE seq > ? ORDER BY seq LIMIT 1'),
      oldestLeased: db.prepare('SELECT MIN(e.stored_at) AS t FROM routing_leases r JOIN events e ON e.seq = r.seq'),
    };
  }

  /**
   * Called once when the file is opened: a file written by a version that kept a routing row per
   * event is moved onto the offset. Events not routed yet are routed; a few routed ones may be routed
   * again (deliveries and call states are idempotent by id).
   */
  migrate(): void {
    if (this.s.hwm!.get()) return;
    const pending = this.db.prepare(`SELECT MIN(e.seq) AS s FROM queue_items q JOIN events e ON e.id = q.id WHERE q.queue = '${ROUTING_QUEUE}' AND q.done = 0`).get() as { s: number | null };
    const hwm = pending.s !== null ? pending.s - 1 : Number((this.s.maxSeq!.get() as { s: number }).s);
    this.db.prepare(`DELETE FROM queue_items WHERE queue = '${ROUTING_QUEUE}'`).run();
    this.s.setHwm!.run(hwm);
  }

  private get hwm(): number {
    return Number((this.s.hwm!.get() as { value: number } | undefined)?.value ?? 0);
  }

  /** Leases up to `max` events: first those whose lease expired or whose retry is due, then new ones. */
  claim(max: number, leaseMs: number, now: number): ClaimedRow[] {
    const token = randomInt(1, 2 ** 47);
    const leaseUntil = now + leaseMs;
    const out: (ClaimedRow & { seq: number })[] = [];
    for (const row of this.s.due!.all({ leaseUntil, token, now, max }) as { id: string; seq: number; attempts: number; deliveries: number }[]) {
      const body = (this.s.body!.get(row.id) as { body: string } | undefined)?.body ?? 'null';
      out.push({ id: row.id, seq: row.seq, payload: body, attempts: row.attempts, deliveries: row.deliveries, token });
    }
    if (out.length < max) {
      const fresh = this.s.fresh!.all(this.hwm, max - out.length) as { seq: number; id: string; body: string }[];
      for (const row of fresh) {
        this.s.lease!.run(row.id, row.seq, leaseUntil, token);
        out.push({ id: row.id, seq: row.seq, payload: row.body, attempts: 0, deliveries: 1, token });
      }
      if (fresh.length) this.s.setHwm!.run(fresh[fresh.length - 1]!.seq);
    }
    out.sort((a, b) => a.seq - b.seq);
    return out.map(({ seq: _seq, ...row }) => row);
  }

  ack(id: string, token: number): void {
    this.s.ack!.run(id, token);
  }

  retry(id: string, token: number, readyAt: number, countsAsAttempt: boolean): void {
    this.s.retry!.run({ id, token, readyAt, add: countsAsAttempt ? 1 : 0 });
  }

  extend(id: string, token: number, leaseUntil: number): void {
    this.s.extend!.run({ id, token, leaseUntil });
  }

  /** Events not routed yet plus those handed out and not settled. */
  depth(): number {
    return Number((this.s.unrouted!.get(this.hwm) as { n: number }).n) + Number((this.s.leased!.get() as { n: number }).n);
  }

  /** When the next item can be claimed: now when new events wait, else when a lease ends or a retry is due. */
  nextReady(now: number): number | null {
    if (Number((this.s.maxSeq!.get() as { s: number }).s) > this.hwm) return now;
    const t = (this.s.nextLease!.get() as { t: number | null }).t;
    return t === null ? null : Number(t);
  }

  /** When the oldest event still waiting to be routed was stored. */
  oldestWaiting(): number | null {
    const fresh = (this.s.oldestFresh!.get(this.hwm) as { t: number } | undefined)?.t;
    const leased = (this.s.oldestLeased!.get() as { t: number | null }).t;
    const times = [fresh, leased].filter((t): t is number => t !== null && t !== undefined).map(Number);
    return times.length ? Math.min(...times) : null;
  }

  /** The highest seq an event may have and still be pruned: routed and settled. */
  prunableBelow(): number {
    return this.hwm;
  }
}
