import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Clock, Delivery, OutgoingWebhook } from '@callrelay/core';
import { ContainerModule, MemoryStore, MemoryWorkQueue, Runtime, TOKENS, createLogger, type ResolvedConfig, type ResolvedSource } from '@callrelay/core/host';
import { loadFixture, loadFixtures, type FixtureRequest, type WebhookFixture } from '@callrelay/fixtures';
import { outgoingRequest } from '../commands/replay.js';
import { recordingSink, type Delivered } from './recorder.js';
import { parseDuration, type InlineRequest, type TestCase, type WebhookStep } from './spec.js';

/** The memory store, knowing every delivery queue opened (sinks' and the digests' holding queues). */
class TestStore extends MemoryStore {
  readonly queueNames = new Set<string>();
  override deliveries(sinkId: string): MemoryWorkQueue<Delivery> {
    this.queueNames.add(sinkId);
    return super.deliveries(sinkId) as MemoryWorkQueue<Delivery>;
  }
}

/** A clock that moves only when the test says so. */
export class FakeClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
}

/** A problem running a case (not an expectation): a webhook refused, a fixture missing, a pipeline that does not settle. */
export class CaseError extends Error {
  constructor(message: string, readonly pathInFile: (string | number)[]) {
    super(message);
  }
}

/** What a case produced: per sink id, what it would have sent, in order. */
export type CaseResult = Map<string, Delivered[]>;

/** How long (real time) the pipeline may take to route and deliver what is due before the case fails. */
const SETTLE_TIMEOUT_MS = 15_000;
/** Consecutive idle polls that count as settled (work moves between queues within one poll). */
const QUIET_POLLS = 3;

/**
 * Runs one case on the real runtime: an in-memory store and a fake clock bound in its container,
 * each sink replaced by a recorder, the ingest listener on an ephemeral loopback port, and every
 * outbound request of connectors refused (a test sends nothing anywhere).
 */
export async function runCase(config: ResolvedConfig, testCase: TestCase, index: number, start: number, baseDir: string): Promise<CaseResult> {
  const clock = new FakeClock(testCase.start ?? start);
  const store = new TestStore({ now: () => clock.now() });
  const received: CaseResult = new Map();
  const testConfig: ResolvedConfig = {
    ...config,
    server: { ...config.server, host: '127.0.0.1', port: 0 },
    admin: undefined,
    sinks: config.sinks.map((sink) => recordingSink(sink, received)),
  };
  const offline: typeof fetch = async (input) => {
    throw new Error(`callrelay test sends no requests (a connector asked for ${input instanceof Request ? input.url : String(input)})`);
  };
  const module = new ContainerModule(({ rebindSync }) => {
    rebindSync(TOKENS.Store).toConstantValue(store);
  });
  const runtime = new Runtime(testConfig, { logger: createLogger({ level: 'silent' }), clock, http: offline, modules: [module] });
  const settle = () => settled(store, clock);
  try {
    const address = await runtime.start();
    for (const [step, webhook] of testCase.webhooks.entries()) {
      const where = ['cases', index, 'webhooks', step];
      const { source, requests } = resolveStep(webhook, testConfig, baseDir, where);
      for (const request of requests) {
        // A recording's pauses pass on the fake clock, so ring times and durations are the recorded ones.
        if (request.delayMs) {
          clock.time += request.delayMs;
          await settle();
        }
        const url = new URL(`http://127.0.0.1:${address.port}${source.route}`);
        let message: OutgoingWebhook = outgoingRequest(request, url, {});
        // Signed by the source's own `sign`, on the fake clock: a config that verifies requests passes as in production.
        if (source.definition.sign) message = source.definition.sign(message, source.options as never, { nowMs: clock.now() });
        const response = await fetch(message.url, { method: message.method, headers: message.headers, body: message.body });
        const text = await response.text();
        if (!response.ok) throw new CaseError(`webhook ${step + 1} (${request.step ?? 'request'}) to source ${source.id} was answered ${response.status}: ${text.slice(0, 200)}`, where);
      }
      await settle();
    }
    await settle();
    const steps = testCase.advance === undefined ? [] : [testCase.advance].flat();
    for (const [i, step] of steps.entries()) {
      const where = ['cases', index, 'advance', ...(Array.isArray(testCase.advance) ? [i] : [])];
      const target = advanceTarget(step, clock.now(), where);
      // Step through what falls due on the way (settle timers, digests at an opening), in order.
      for (let guard = 0; guard < 10_000; guard++) {
        const next = nextDue(store, clock.now());
        if (next === undefined || next > target) break;
        clock.time = next;
        await settle();
      }
      clock.time = target;
      await settle();
    }
  } finally {
    await runtime.stop();
  }
  return received;
}

function advanceTarget(step: string | Date, now: number, where: (string | number)[]): number {
  if (step instanceof Date) return step.getTime();
  const duration = parseDuration(step);
  if (duration !== undefined) return now + duration;
  const instant = Date.parse(step);
  if (Number.isNaN(instant)) throw new CaseError(`advance: ${step} is neither a duration (30s, 5m, 2h, 1d) nor a date and time (2026-01-05T18:00:00Z)`, where);
  if (instant < now) throw new CaseError(`advance: ${step} is before the fake clock (${new Date(now).toISOString()}); the clock only moves forward`, where);
  return instant;
}

/** The earliest due time, after `now`, of timers and deliveries waiting in the store. */
function nextDue(store: TestStore, now: number): number | undefined {
  const dues = [store.timers.nextDue(), ...[...store.queueNames].map((id) => store.deliveries(id).nextDue())].filter((t): t is number => t !== undefined && t > now);
  return dues.length ? Math.min(...dues) : undefined;
}

/** Waits until nothing is due on the fake clock: routing queue empty, no timer or delivery due or in flight. */
async function settled(store: TestStore, clock: FakeClock): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  const waiting = (due: number | undefined) => due !== undefined && due <= clock.now();
  let quiet = 0;
  while (quiet < QUIET_POLLS) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const busy = [
      ...((await store.routing.depth()) > 0 ? ['routing'] : []),
      ...(waiting(store.timers.nextDue()) ? ['timers'] : []),
      ...[...store.queueNames].filter((id) => waiting(store.deliveries(id).nextDue())).map((id) => `deliveries to ${id}`),
    ];
    quiet = busy.length ? 0 : quiet + 1;
    if (busy.length && Date.now() > deadline) throw new Error(`the pipeline did not settle within ${SETTLE_TIMEOUT_MS / 1000} s (still due: ${busy.join(', ')})`);
  }
}

/** The source a step goes to and its requests. */
function resolveStep(step: WebhookStep, config: ResolvedConfig, baseDir: string, where: (string | number)[]): { source: ResolvedSource; requests: FixtureRequest[] } {
  const named = typeof step === 'string' ? undefined : step.source;
  const source = pickSource(config, named, where);
  if (typeof step === 'string') return { source, requests: fixtureOrFile(step, baseDir, where).requests };
  if ('fixture' in step) return { source, requests: fixtureOrFile(step.fixture, baseDir, where, 'fixture').requests };
  if ('file' in step) return { source, requests: fixtureOrFile(step.file, baseDir, where, 'file').requests };
  return { source, requests: [inlineRequest(step)] };
}

function pickSource(config: ResolvedConfig, id: string | undefined, where: (string | number)[]): ResolvedSource {
  const ids = config.sources.map((s) => s.id);
  if (id === undefined) {
    if (config.sources.length === 1) return config.sources[0]!;
    throw new CaseError(`say which source the webhook is for (source: ${ids.join(' | ')}): ${config.file} has ${ids.length} sources`, where);
  }
  const source = config.sources.find((s) => s.id === id);
  if (!source) throw new CaseError(`no source "${id}" in ${config.file} (sources: ${ids.join(', ')})`, where);
  return source;
}

let bundled: WebhookFixture[] | undefined;

function fixtureOrFile(name: string, baseDir: string, where: (string | number)[], kind?: 'fixture' | 'file'): WebhookFixture {
  const file = path.resolve(baseDir, name);
  if (kind !== 'fixture' && (kind === 'file' || existsSync(file))) {
    try {
      return loadFixture(file);
    } catch (err) {
      throw new CaseError(`cannot read the webhook file ${name}: ${(err as Error).message}`, where);
    }
  }
  bundled ??= loadFixtures();
  const fixture = bundled.find((f) => f.name === name);
  if (!fixture) throw new CaseError(`no recorded webhook named ${name} and no such file (names look like jambonz/status-missed-caller-hangup; see packages/fixtures/webhooks)`, where);
  return fixture;
}

/** An inline `{ method, contentType, body, query, headers }`: objects become JSON, or a form when the content type says so. */
function inlineRequest(step: InlineRequest): FixtureRequest {
  const form = step.contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded') ?? false;
  let body: string | undefined;
  if (typeof step.body === 'string') body = step.body;
  else if (step.body !== undefined) body = form ? new URLSearchParams(step.body as Record<string, string>).toString() : JSON.stringify(step.body);
  const query = typeof step.query === 'object' ? new URLSearchParams(Object.entries(step.query).map(([k, v]): [string, string] => [k, String(v)])).toString() : step.query;
  return {
    ...(step.method ? { method: step.method } : {}),
    ...(body !== undefined ? { body, contentType: step.contentType ?? 'application/json' } : {}),
    ...(query ? { query } : {}),
    ...(step.headers ? { headers: step.headers } : {}),
  };
}
