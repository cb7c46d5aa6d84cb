import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TruthTableRow, TruthTableScenario } from './truth-table.js';

/** One recorded webhook request of a scenario. */
export interface FixtureRequest {
  /** What this step is in the vendor's document ("The phone ringing"). */
  step?: string;
  method?: 'POST' | 'GET';
  /** Sent as the Content-Type header; omit for GET. */
  contentType?: string;
  /** The body exactly as the platform sends it (malformed JSON included). */
  body?: string;
  /** Query string without the leading `?` (GET requests, or tokens). */
  query?: string;
  headers?: Record<string, string>;
  /** Pause before sending this request when replaying with pacing. */
  delayMs?: number;
  /** Canonical event types this request must yield, in order (empty: none). */
  expectTypes?: string[];
}

/** A scenario from a vendor document, replayable in order. */
export interface WebhookFixture {
  /** `<platform>/<scenario>`, e.g. `3cx/json-missed-queue`. */
  name: string;
  platform: string;
  /** The seed document it was copied from. */
  seed?: string;
  description: string;
  requests: FixtureRequest[];
  /** Call-level outcomes the whole scenario must produce through the call tracker. */
  expectOutcomes?: { missed: number; completed: number };
  /** Flags the scenario's outcome event must carry (e.g. `voicemail`). */
  expectOutcomeFlags?: string[];
  /**
   * The vendor documents or public source code this scenario follows (URL, plus the section or
   * file), so that a reader can check that the platform really sends it this way.
   */
  cites?: string[];
  /** The cell of the truth table (docs/calls.md) this scenario fills. */
  truthTable?: { row: TruthTableRow; scenario: TruthTableScenario };
  /** Source settings the scenario needs besides credentials (e.g. a 3CX `timeZone`). */
  sourceConfig?: Record<string, unknown>;
}


/** Folder of the fixtures shipped with @callrelay/testkit. */
export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Loads every fixture of a platform (or all), sorted by name. */
export function loadFixtures(platform?: string, dir: string = FIXTURES_DIR): WebhookFixture[] {
  const out: WebhookFixture[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const full = path.join(folder, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.json')) out.push(loadFixture(full));
    }
  };
  const root = platform ? path.join(dir, platform) : dir;
  if (!existsSync(root)) return out;
  walk(root);
  return out;
}

export function loadFixture(file: string): WebhookFixture {
  const fixture = JSON.parse(readFileSync(file, 'utf8')) as WebhookFixture;
  if (!fixture.name || !Array.isArray(fixture.requests)) throw new Error(`${file} is not a webhook fixture (needs name and requests)`);
  return fixture;
}
