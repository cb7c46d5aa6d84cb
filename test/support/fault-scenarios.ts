import { pino } from 'pino';
import { type CallEvent, type SourceDefinition } from '@callrelay/core';
import { RuntimeMetrics, ingestWebhook } from '@callrelay/core/host';
import {
  MemoryStore, loadFixtures, testContext, trackCalls, countOutcomes, webhookFromFixture, type FixtureRequest, type WebhookFixture,
} from '@callrelay/testkit';
import jambonz from '@callrelay/source-jambonz';
import signalwire from '@callrelay/source-signalwire';
import impactpbx from '@callrelay/source-impactpbx';
import threeCx from '@callrelay/source-3cx';

/**
 * The recorded scenarios of the four platforms (testkit fixtures), made into a stream a fault test
 * can post many times: each copy gets call ids of its own, and carries what the node must make of
 * it (the ids of the events each request stores, the call outcomes it must give), computed in this
 * process by the same source code and call tracker that the node runs.
 */

/** The source id under which each platform is mounted in a fault test's config (`/hooks/<id>`). */
export const PLATFORM_SOURCES = { jambonz: 'jambonz', signalwire: 'signalwire', impactpbx: 'impactpbx', '3cx': 'cx' } as const;
export type FaultPlatform = keyof typeof PLATFORM_SOURCES;

const DEFINITIONS: Record<FaultPlatform, SourceDefinition> = { jambonz, signalwire, impactpbx, '3cx': threeCx };

/** The `sources:` lines of a config that mounts the four platforms without credentials. */
export function sourcesConfig(): string[] {
  return ['sources:', ...Object.entries(PLATFORM_SOURCES).map(([platform, id]) => `  ${id}: { type: ${platform}, auth: none }`)];
}

/** One HTTP request of a scenario copy, ready to send to `<node>/hooks/<sourceId>`. */
export interface StreamRequest {
  method: 'GET' | 'POST';
  /** `/hooks/<source>` plus the recorded query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Ids of the canonical events the node stores for it (empty: the request yields none). */
  eventIds: string[];
}

/** One copy of a recorded scenario with call ids of its own. */
export interface StreamScenario {
  /** `<fixture name>#<copy>`. */
  name: string;
  platform: FaultPlatform;
  sourceId: string;
  requests: StreamRequest[];
  /** `<source>:<callId>` of every call of the copy. */
  calls: string[];
  /** Calls the copy must end as `missed` / `completed` (`<source>:<callId>`). */
  missedCalls: string[];
  completedCalls: string[];
}

/** What was left out of the stream, and why (printed by the tests). */
export interface StreamPlan {
  scenarios: StreamScenario[];
  skipped: { fixture: string; reason: string }[];
}

export interface TrackerTimings { settleMs: number; quietMs: number }

/**
 * `copies` copies of every top-level fixture (the truth table's cells are left to the truth-table
 * test) with outcomes, of the four platforms, each with its call ids rewritten. A fixture is left
 * out, with its reason, when its ids cannot be rewritten safely (too short to replace without
 * touching other fields), when its outcome depends on another call (3CX CRM journal entries are
 * matched to the add-on's call by start second and number, which copies share), or when the
 * tracker in this tree does not give the outcomes the fixture expects (a tracker change in
 * progress, not a fault), or when it needs source settings of its own or a request of it is refused
 * (the source contract suite reports those).
 */
export async function streamPlan(copies: number, timings: TrackerTimings): Promise<StreamPlan> {
  const plan: StreamPlan = { scenarios: [], skipped: [] };
  const counter = { next: 0 };
  for (const platform of Object.keys(PLATFORM_SOURCES) as FaultPlatform[]) {
    const fixtures = loadFixtures(platform).filter((f) => !f.name.includes('/truth-table/') && f.expectOutcomes);
    for (const fixture of fixtures) {
      const problem = await checkFixture(platform, fixture, timings);
      if (problem) {
        plan.skipped.push({ fixture: fixture.name, reason: problem });
        continue;
      }
      for (let copy = 0; copy < copies; copy++) {
        const scenario = await copyScenario(platform, fixture, copy, counter, timings).catch((err: Error) => err.message);
        if (typeof scenario === 'string') {
          plan.skipped.push({ fixture: `${fixture.name}#${copy}`, reason: scenario });
          break;
        }
        plan.scenarios.push(scenario);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const scenario of plan.scenarios) {
    for (const call of scenario.calls) {
      const other = seen.get(call);
      if (other) throw new Error(`fault stream: ${scenario.name} and ${other} share the call ${call}; the id rewrite is not unique`);
      seen.set(call, scenario.name);
    }
  }
  return plan;
}

async function checkFixture(platform: FaultPlatform, fixture: WebhookFixture, timings: TrackerTimings): Promise<string | undefined> {
  if (fixture.sourceConfig) return `needs source settings (${Object.keys(fixture.sourceConfig).join(', ')}) that the stream's shared source does not have`;
  if (platform === '3cx' && fixture.requests.some((r) => /CallStartTimeLocal|CallType/i.test(`${r.body ?? ''}${r.query ?? ''}`))) {
    return 'a CRM journal entry: matched to the add-on call by start second and number, which every copy shares';
  }
  let events: CallEvent[];
  try {
    events = (await ingestLocally(platform, fixture.requests)).flat();
  } catch (err) {
    return (err as Error).message;
  }
  const outcomes = countOutcomes(await trackCalls(events, timings));
  const expected = fixture.expectOutcomes!;
  if (outcomes.missed !== expected.missed || outcomes.completed !== expected.completed) {
    return `the tracker in this tree gives ${JSON.stringify(outcomes)}, the fixture expects ${JSON.stringify(expected)}`;
  }
  return undefined;
}

async function copyScenario(
  platform: FaultPlatform, fixture: WebhookFixture, copy: number, counter: { next: number }, timings: TrackerTimings,
): Promise<StreamScenario | string> {
  const sourceId = PLATFORM_SOURCES[platform];
  const original = (await ingestLocally(platform, fixture.requests)).flat();
  const ids = new Set<string>();
  for (const event of original) {
    ids.add(event.callId);
    if (event.legId) ids.add(event.legId);
  }
  // Only ids that appear in what was sent can be rewritten; ids that contain another one (a leg
  // `<call>-2`) change with it.
  const sent = fixture.requests.map((r) => `${r.body ?? ''}\n${r.query ?? ''}`).join('\n');
  const roots = [...ids].filter((id) => sent.includes(id) || sent.includes(encodeURIComponent(id)))
    .filter((id, _i, all) => !all.some((other) => other !== id && id.includes(other)));
  if (!roots.length) return 'no call id found in the recorded requests';
  const short = roots.find((id) => id.length < 8);
  if (short) return `the call id "${short}" is too short to rewrite without touching other fields`;
  const renames = roots.map((id) => {
    // A new id never equals one the recorded requests already hold (ids like `...000000000007`).
    let to: string;
    do to = renamed(id, ++counter.next); while (sent.includes(to));
    return [id, to] as const;
  });
  const rewrite = (text: string | undefined) => {
    if (text === undefined) return undefined;
    let out = text;
    for (const [from, to] of renames) {
      out = out.split(from).join(to);
      const encoded = encodeURIComponent(from);
      if (encoded !== from) out = out.split(encoded).join(encodeURIComponent(to));
    }
    return out;
  };
  const requests: FixtureRequest[] = fixture.requests.map((r) => ({ ...r, body: rewrite(r.body), query: rewrite(r.query) }));
  const perRequest = await ingestLocally(platform, requests);
  const events = perRequest.flat();
  const originalCalls = new Set(original.map((e) => e.callId));
  const kept = events.find((e) => originalCalls.has(e.callId));
  if (kept) return `the call ${kept.callId} kept its id after the rewrite`;
  for (const [index, request] of requests.entries()) {
    const types = perRequest[index]!.map((e) => e.type);
    if (request.expectTypes && JSON.stringify(types) !== JSON.stringify(request.expectTypes)) {
      return `step ${index + 1} maps to ${types.join(',')} after the rewrite, the fixture expects ${request.expectTypes.join(',')}`;
    }
  }
  const outcomes = await trackCalls(events, timings);
  const counts = countOutcomes(outcomes);
  if (counts.missed !== fixture.expectOutcomes!.missed || counts.completed !== fixture.expectOutcomes!.completed) {
    return `after the rewrite the tracker gives ${JSON.stringify(counts)}, the fixture expects ${JSON.stringify(fixture.expectOutcomes)}`;
  }
  const key = (e: CallEvent) => `${sourceId}:${e.callId}`;
  return {
    name: `${fixture.name}#${copy}`,
    platform,
    sourceId,
    requests: requests.map((request, index) => {
      const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
      const headers: Record<string, string> = { ...request.headers };
      if (request.contentType && method !== 'GET') headers['content-type'] = request.contentType;
      return {
        method,
        path: `/hooks/${sourceId}${request.query ? `?${request.query}` : ''}`,
        headers,
        ...(method === 'GET' ? {} : { body: request.body ?? '' }),
        eventIds: perRequest[index]!.map((e) => e.id),
      };
    }),
    calls: [...new Set(events.map(key))],
    missedCalls: outcomes.filter((e) => e.type === 'missed').map(key),
    completedCalls: outcomes.filter((e) => e.type === 'completed').map(key),
  };
}

/**
 * A new id of the same shape: the last 6 characters of a long hex or decimal tail become the
 * sequence number (a UUID stays a UUID), otherwise the number is appended to the id (3CX's
 * `<yyMMddHHmmss>_<n>` stays a 3CX id).
 */
function renamed(id: string, n: number): string {
  const digits = String(n).padStart(6, '0');
  const tail = /[0-9a-fA-F]+$/.exec(id)?.[0] ?? '';
  return tail.length >= 8 ? `${id.slice(0, -6)}${digits}` : `${id}${digits}`;
}

/** The events each request stores, as the node's ingest path builds them (same source id). */
async function ingestLocally(platform: FaultPlatform, requests: readonly FixtureRequest[]): Promise<CallEvent[][]> {
  const sourceId = PLATFORM_SOURCES[platform];
  const definition = DEFINITIONS[platform];
  const logger = pino({ level: 'silent' });
  const source = await definition.create({ auth: 'none' } as never, testContext({ id: sourceId, logger }));
  const store = new MemoryStore();
  const out: CallEvent[][] = [];
  for (const request of requests) {
    const before = new Set(store.events.keys());
    const hook = webhookFromFixture(request, { url: `http://127.0.0.1/hooks/${sourceId}` });
    const answer = await ingestWebhook({ id: sourceId, route: `/hooks/${sourceId}`, platform: definition.platform ?? definition.type, source }, hook, {
      store, metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }), logger,
    });
    if (answer.status >= 300) throw new Error(`${platform}: a recorded request was refused (${answer.status}): ${JSON.stringify(answer.body)}`);
    out.push([...store.events.values()].filter((e) => !before.has(e.id)));
  }
  return out;
}
