import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { StreamRequest, StreamScenario } from './fault-scenarios.js';

/**
 * Posting a stream of scenarios the way telephony platforms do (each request retried until it gets
 * a 2xx, the requests of one call in order, many calls at once) to a node that may be killed and
 * replaced at any moment, and checking what the sinks received against what was acknowledged.
 */

/** mulberry32: a small seeded generator, so a failing run can be repeated from its printed seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a fault test: `FAULT_SEED` to repeat a run, else a fresh one. */
export function faultSeed(): number {
  const given = Number(process.env.FAULT_SEED);
  return Number.isInteger(given) && given > 0 ? given : 1 + Math.floor(Math.random() * 2 ** 31);
}

/** What a stream did, for the test's report line. */
export interface StreamStats {
  /** Requests acknowledged (each counted once, however many tries it took). */
  acknowledged: number;
  /** Tries that got no 2xx: connection refused or reset (node down), or a 5xx (store unavailable). */
  refused: number;
  /** 503 answers among them, and how many carried `Retry-After`. */
  unavailable: number;
  unavailableWithRetryAfter: number;
  /** Ids of the events of every acknowledged request. */
  ackedEventIds: Set<string>;
}

export interface StreamOptions {
  /** The base URL (`http://127.0.0.1:<port>`) to post a request to now; '' while no node listens. */
  target: (scenario: StreamScenario, index: number) => string;
  /** Calls posted at once. */
  concurrency: number;
  /** Give up (and fail) a request not acknowledged by then (epoch ms). */
  deadline: number;
  /** Wait between two tries of a request. */
  retryMs?: number;
  /** Called after each acknowledged request (the crash loop kills the node from here). */
  onAcknowledged?: (stats: StreamStats) => void;
}

/** Posts every scenario (its requests in order, each until acknowledged); resolves with the counts. */
export async function postStream(scenarios: readonly StreamScenario[], options: StreamOptions): Promise<StreamStats> {
  const stats: StreamStats = { acknowledged: 0, refused: 0, unavailable: 0, unavailableWithRetryAfter: 0, ackedEventIds: new Set() };
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const scenario = scenarios[next++]!;
      for (const [index, request] of scenario.requests.entries()) {
        await postUntilAcknowledged(request, () => options.target(scenario, index), options, stats);
        stats.acknowledged += 1;
        for (const id of request.eventIds) stats.ackedEventIds.add(id);
        options.onAcknowledged?.(stats);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return stats;
}

async function postUntilAcknowledged(request: StreamRequest, base: () => string, options: StreamOptions, stats: StreamStats): Promise<void> {
  for (;;) {
    const url = base();
    if (url) {
      try {
        const res = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.ok) return;
        if (res.status < 500) throw new Error(`${request.method} ${request.path} answered ${res.status}: a recorded request must be accepted`);
        if (res.status === 503) {
          stats.unavailable += 1;
          if (res.headers.get('retry-after')) stats.unavailableWithRetryAfter += 1;
        }
      } catch (err) {
        if (err instanceof Error && err.message.includes('a recorded request must be accepted')) throw err;
        // Refused or reset: the node is down or was killed while answering. Not acknowledged.
      }
      stats.refused += 1;
    }
    if (Date.now() > options.deadline) throw new Error(`${request.method} ${request.path} not acknowledged before the deadline`);
    await new Promise((r) => setTimeout(r, options.retryMs ?? 150));
  }
}

/** One delivered event as a sink saw it. */
export interface DeliveredRow { id: string; type: string; source: string; callId: string }

/** The rows of CSV files written with at least the columns id, type, source, callId (missing files: none). */
export function csvRows(files: readonly string[]): DeliveredRow[] {
  return files.flatMap((file) => (existsSync(file)
    ? (parse(readFileSync(file), { columns: true, relax_column_count: true, skip_empty_lines: true }) as DeliveredRow[])
    : []));
}

/** The events a webhook receiver was sent (JSON bodies, one canonical event each). */
export function receivedEvents(bodies: readonly { body: string }[]): DeliveredRow[] {
  return bodies.map(({ body }) => JSON.parse(body) as DeliveredRow);
}

/** How many rows repeat an event already delivered (at-least-once delivery). */
export function duplicateCount(rows: readonly DeliveredRow[]): number {
  return rows.length - new Set(rows.map((r) => r.id)).size;
}

/** Acknowledged events that a sink has not received. */
export function missingFrom(rows: readonly DeliveredRow[], acked: ReadonlySet<string>): string[] {
  const seen = new Set(rows.map((r) => r.id));
  return [...acked].filter((id) => !seen.has(id));
}

/**
 * What is wrong with the call outcomes a sink received, compared with what the scenarios must give:
 * each call expected missed has exactly one distinct `missed` event (its rows may repeat) and no
 * `completed`; likewise for completed calls; other calls have neither. Empty when all is right.
 */
export function outcomeProblems(rows: readonly DeliveredRow[], scenarios: readonly StreamScenario[]): string[] {
  const outcomes = new Map<string, { missed: Set<string>; completed: Set<string> }>();
  for (const row of rows) {
    if (row.type !== 'missed' && row.type !== 'completed') continue;
    const key = `${row.source}:${row.callId}`;
    let entry = outcomes.get(key);
    if (!entry) outcomes.set(key, (entry = { missed: new Set(), completed: new Set() }));
    entry[row.type].add(row.id);
  }
  const problems: string[] = [];
  for (const scenario of scenarios) {
    for (const call of scenario.calls) {
      const got = outcomes.get(call) ?? { missed: new Set(), completed: new Set() };
      const want = { missed: scenario.missedCalls.includes(call) ? 1 : 0, completed: scenario.completedCalls.includes(call) ? 1 : 0 };
      if (got.missed.size !== want.missed || got.completed.size !== want.completed) {
        problems.push(`${scenario.name} ${call}: ${got.missed.size} missed and ${got.completed.size} completed event ids, expected ${want.missed} and ${want.completed}`);
      }
    }
  }
  return problems;
}

/** Calls the scenarios must end as missed (for the report). */
export const missedCallCount = (scenarios: readonly StreamScenario[]) => scenarios.reduce((n, s) => n + s.missedCalls.length, 0);

/** Reads one counter of a node's `/metrics` (sum over the label sets that match). */
export async function metricValue(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
