/**
 * Benchmark (a harness, not a test) of the console with many stored calls: fills a SQLite store
 * with BENCH_CALLS calls (default 100 000; one outcome event each, as the call tracker stores them,
 * half missed, half completed, over 30 days, from 5 000 numbers), starts `callrelay run` on it with
 * the admin listener, waits until the node has routed the backlog, then measures:
 *   (a) the admin API: the first page of calls, a filtered page (outcome + part of a number), a
 *       time range, and the 20th page following the cursor: median and worst of 20 requests each;
 *   (b) the page in Debian's chromium (playwright-core): time from navigation to the first calls
 *       rendered, and from clicking "Apply filters" to the filtered list rendered (median of 5).
 *
 *   npm run build && node --import tsx bench/console.ts
 *   BENCH_CALLS=20000 node --import tsx bench/console.ts
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallEvent } from '@callrelay/core';
import { SqliteStore } from '@callrelay/store-sqlite';
import { startCallrelay } from '../test/support/callrelay-process.js';
import { findChromium, launchChromium } from '../test/browser/chromium.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const TOKEN = 'bench-console-token-0123456789';
const DAY = 86_400_000;

const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-bench-console-'));
const config = path.join(dir, 'callrelay.yaml');
writeFileSync(config, [
  'server: { port: 0 }', 'store: { type: sqlite, path: store.db, synchronous: normal }', 'tracker: { enabled: false }',
  `admin: { host: 127.0.0.1, port: 0, token: "${TOKEN}" }`,
  'sources:', '  pbx: { type: jambonz, auth: none }', '  sw: { type: jambonz, auth: none }', '',
].join('\n'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function fill(): Promise<number> {
  const started = performance.now();
  const store = await SqliteStore.open({ path: path.join(dir, 'store.db'), synchronous: 'normal' });
  const now = Date.now();
  const batch: CallEvent[] = [];
  for (let i = 0; i < CALLS; i++) {
    const startedAt = new Date(now - 30 * DAY + Math.floor((i / CALLS) * 30 * DAY)).toISOString();
    const missed = i % 2 === 0;
    const number = `+1212555${String(i % 5000).padStart(4, '0')}`;
    batch.push({
      id: `bench-${i}`, source: i % 4 === 0 ? 'sw' : 'pbx', platform: 'jambonz', callId: `call-${i}`, type: missed ? 'missed' : 'completed',
      direction: 'inbound', from: { raw: number, e164: number }, to: { raw: '+14155551234', e164: '+14155551234' },
      occurredAt: startedAt, receivedAt: startedAt, startedAt, ringSeconds: 14, talkSeconds: missed ? 0 : 95, outcome: missed ? 'no-answer' : 'answered',
      call: { legs: [`call-${i}`], rang: ['101'], transfers: 0, recordingUrls: [], eventCount: 3, ...(missed ? {} : { answeredBy: '101' }) },
      raw: { call_sid: `call-${i}` },
    });
    if (batch.length === 2000) await store.append(batch.splice(0));
  }
  if (batch.length) await store.append(batch);
  await store.close();
  return performance.now() - started;
}

async function timeRequest(url: string, n = 20): Promise<{ median: number; worst: number; rows: number; next?: string }> {
  const times: number[] = [];
  let body: { calls: unknown[]; next?: string } = { calls: [] };
  for (let i = 0; i < n + 2; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    body = await res.json() as typeof body;
    if (i >= 2) times.push(performance.now() - t); // two warm-up requests
  }
  return { median: median(times), worst: Math.max(...times), rows: body.calls.length, ...(body.next ? { next: body.next } : {}) };
}

const filled = await fill();
console.log(`filled ${CALLS} calls in ${(filled / 1000).toFixed(1)} s (${dir})`);
const node = await startCallrelay(config, { LOG_LEVEL: 'warn' });
try {
  const admin = node.adminUrl();
  // The node routes the stored events on start: measure once it has caught up.
  const t0 = performance.now();
  for (;;) {
    const metrics = await (await fetch(`${admin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    if (/callrelay_queue_depth\{queue="routing"\} 0\b/.test(metrics)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`node caught up with the backlog in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const api = `${admin}/api/calls`;
  const first = await timeRequest(`${api}?limit=50`);
  const filtered = await timeRequest(`${api}?limit=50&outcome=missed&number=5550042`);
  const range = await timeRequest(`${api}?limit=50&source=sw&from=${new Date(Date.now() - 10 * DAY).toISOString()}&to=${new Date(Date.now() - 9 * DAY).toISOString()}`);
  let cursor: string | undefined;
  for (let i = 0; i < 19; i++) cursor = (await timeRequest(`${api}?limit=50${cursor ? `&cursor=${cursor}` : ''}`, 1)).next;
  const deep = await timeRequest(`${api}?limit=50&cursor=${cursor}`);
  console.log('\n(a) admin API, GET /api/calls (median / worst of 20)');
  console.log(`  first page (50 rows):                        ${ms(first.median)} / ${ms(first.worst)}`);
  console.log(`  outcome=missed & number=5550042 (${filtered.rows} rows):   ${ms(filtered.median)} / ${ms(filtered.worst)}`);
  console.log(`  source=sw, one day (${range.rows} rows):               ${ms(range.median)} / ${ms(range.worst)}`);
  console.log(`  20th page by cursor (${deep.rows} rows):              ${ms(deep.median)} / ${ms(deep.worst)}`);

  const chromium = findChromium();
  if (!chromium) {
    console.log('\n(b) skipped: no chromium (apt-get install chromium)');
  } else {
    const browser = await launchChromium(chromium);
    const renders: number[] = [];
    const filters: number[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.addInitScript((token) => sessionStorage.setItem('callrelay.adminToken', token), TOKEN);
      const t = performance.now();
      await page.goto(admin);
      await page.locator('tr[data-call-id]').first().waitFor();
      const rendered = performance.now() - t;
      await page.getByLabel('Outcome').selectOption('missed');
      await page.getByLabel('Number').fill('5550042');
      const f = performance.now();
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('tr[data-call-id]')];
        return rows.length > 0 && rows.every((r) => r.classList.contains('outcome-missed') && r.textContent!.includes('5550042'));
      });
      const filteredMs = performance.now() - f;
      if (i > 0) { renders.push(rendered); filters.push(filteredMs); } // the first one warms chromium up
      await page.close();
    }
    await browser.close();
    console.log('\n(b) page in headless chromium (median / worst of 5)');
    console.log(`  navigation to first calls rendered:          ${ms(median(renders))} / ${ms(Math.max(...renders))}`);
    console.log(`  "Apply filters" to filtered list rendered:   ${ms(median(filters))} / ${ms(Math.max(...filters))}`);
  }
} finally {
  await node.kill('SIGTERM');
}
