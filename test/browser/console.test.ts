import { describe, it, before, after } from 'mocha';
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually, REPO_ROOT, startCallrelay, type CallrelayProcess } from '../support/callrelay-process.js';
import { TestReceiver } from '../support/receiver.js';
import { findChromium, launchChromium } from './chromium.js';

const TOKEN = 'console-test-token-5d1f0a9c';
// The screenshots of docs/console.md: refreshed with CONSOLE_SCREENSHOTS=docs, else written aside so
// that a test run leaves the checkout as it was.
const SHOTS = process.env.CONSOLE_SCREENSHOTS === 'docs' ? path.join(REPO_ROOT, 'docs', 'console') : mkdtempSync(path.join(tmpdir(), 'callrelay-console-shots-'));

/** jambonz (no auth) → missed calls → a webhook sink that gives up after 2 quick attempts. */
function configFile(receiverUrl: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrelay-console-'));
  const file = path.join(dir, 'callrelay.yaml');
  writeFileSync(file, [
    'server: { port: 0 }',
    'store: { type: sqlite, path: store.db }',
    `admin: { host: 127.0.0.1, port: 0, token: "${TOKEN}" }`,
    'sources:',
    '  pbx: { type: jambonz, auth: none }',
    'sinks:',
    `  crm: { type: webhook, url: "${receiverUrl}", delivery: { maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 100 } }`,
    'pipelines:',
    '  missed-calls: { from: [pbx], when: { type: missed }, to: [crm] }',
    '',
  ].join('\n'));
  return file;
}

/** A missed inbound call as jambonz reports it: trying, ringing, then no-answer. */
async function postMissedCall(node: CallrelayProcess, sid: string): Promise<void> {
  for (const status of ['trying', 'ringing', 'no-answer']) {
    const res = await fetch(`${node.url}/hooks/pbx`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ call_sid: sid, direction: 'inbound', from: '+12125551212', to: '+14155551234', caller_name: '<b>Jane</b>', call_status: status }),
    });
    expect(res.status, status).to.equal(200);
  }
}

describe('the web console in a real browser (Playwright + Debian chromium)', function () {
  this.timeout(120_000);
  let executable: string | undefined;
  let browser: Browser;
  let node: CallrelayProcess;
  const receiver = new TestReceiver();

  before(async function () {
    executable = findChromium();
    if (!executable) {
      if (process.env.CI === 'true') throw new Error('chromium is missing (apt-get install -y chromium): the console test must run in CI');
      console.log('    (skipped: no chromium at /usr/bin/chromium and it could not be installed; set CHROMIUM_PATH)');
      this.skip();
    }
    mkdirSync(SHOTS, { recursive: true });
    await receiver.start();
    node = await startCallrelay(configFile(receiver.url), { LOG_LEVEL: 'warn' });
    browser = await launchChromium(executable);
  });

  after(async () => {
    await browser?.close();
    await node?.kill('SIGTERM');
    await receiver.stop();
  });

  const openPage = async (width = 1280, height = 800): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(node.adminUrl());
    return page;
  };

  it('refuses without the token: the API answers 401 and the page asks for it, and says when it is wrong', async () => {
    const api = await fetch(`${node.adminUrl()}/api/calls`);
    expect(api.status).to.equal(401);
    const stream = await fetch(`${node.adminUrl()}/api/events?ticket=made-up`);
    expect(stream.status).to.equal(401);
    const page = await openPage();
    await page.getByLabel('Admin token').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByRole('alert').filter({ hasText: 'The admin token was refused' }).waitFor();
    expect(await page.getByRole('heading', { name: /^Calls/ }).count()).to.equal(0);
    await page.screenshot({ path: path.join(SHOTS, 'token.png') });
    await page.close();
  });

  it('shows a missed call live, its dead letter with the reason, and delivers it when replayed', async () => {
    receiver.respond = () => 500; // the CRM is down
    const page = await openPage();
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.getByText('● live').waitFor();

    // Posted after the page loaded: the row arrives over the live stream, not a reload.
    await postMissedCall(node, 'browser-call-1');
    const row = page.locator('tr[data-call-id="browser-call-1"]');
    await row.locator('.outcome', { hasText: 'missed' }).waitFor();
    expect(await row.textContent()).to.include('+12125551212');
    await page.screenshot({ path: path.join(SHOTS, 'calls.png') });

    // The dead letter, with the sink's answer as the reason.
    await eventually(() => (receiver.received.length >= 2 ? true : undefined), 20_000, 'two failed attempts');
    await page.getByRole('button', { name: 'Dead letters' }).click();
    const letter = page.locator('tr[data-dead-letter]');
    await letter.waitFor();
    const reason = await letter.locator('.reason').textContent();
    expect(reason).to.match(/500/).and.match(/gave up after 2 attempts/);
    expect(await letter.textContent()).to.include('browser-call-1').and.include('missed');
    await page.screenshot({ path: path.join(SHOTS, 'dead-letters.png') });

    // The sink is fixed; replay from the page.
    receiver.respond = () => 200;
    await letter.getByRole('button', { name: /^Replay dead letter/ }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed 1 dead letter.' }).waitFor();
    await eventually(() => (receiver.delivered === 1 ? true : undefined), 20_000, 'the replayed delivery');
    expect(JSON.parse(receiver.received.at(-1)!.body).type).to.equal('missed');
    await page.getByText('No dead letters.').waitFor();

    // The call's timeline: its events and the delivery, now delivered through the replay.
    await page.getByRole('button', { name: 'Calls', exact: true }).click();
    await page.getByRole('button', { name: 'Timeline of call browser-call-1' }).click();
    await page.locator('td.state-delivered', { hasText: 'delivered (replayed)' }).waitFor();
    const events = await page.locator('ol.events > li strong').allTextContents();
    expect(events).to.include.members(['started', 'ringing', 'ended', 'missed']);
    // Webhook fields are shown as text, never as markup.
    expect(await page.locator('b', { hasText: 'Jane' }).count()).to.equal(0);
    await page.screenshot({ path: path.join(SHOTS, 'timeline.png') });

    // Sinks: the delivered count and the retry schedule.
    await page.getByRole('button', { name: 'Sinks' }).click();
    const sink = page.locator('tr[data-sink="crm"]');
    await sink.waitFor();
    expect(await sink.textContent()).to.include('2 attempts');
    await page.screenshot({ path: path.join(SHOTS, 'sinks.png') });
    await page.close();
  });

  it('is usable on a phone: rows become labelled cards, the filters and buttons stay reachable by keyboard', async () => {
    const page = await openPage(390, 844);
    await page.getByLabel('Admin token').fill(TOKEN);
    await page.keyboard.press('Enter');
    await page.locator('tr[data-call-id="browser-call-1"]').waitFor();
    await page.getByLabel('Outcome').selectOption('completed');
    await page.getByRole('button', { name: 'Apply filters' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('No calls match.').waitFor();
    await page.getByLabel('Outcome').selectOption('missed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('tr[data-call-id="browser-call-1"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, 'no horizontal scrolling of the page').to.be.at.most(0);
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    await page.close();
  });
});
