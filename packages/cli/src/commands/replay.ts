import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR, loadFixture, loadFixtures, type WebhookFixture } from '@callrelay/fixtures';
import { CommandFailure } from '../config-file.js';
import { EXIT } from '../exit-codes.js';

export interface ReplayOptions {
  to: string;
  pacing: boolean;
  header: string[];
  basic?: string;
  token?: string;
  speed: string;
}

/**
 * A file or folder path, else the name of a recorded webhook shipped with the command
 * (`jambonz/status-missed-caller-hangup`, `3cx`): an installed CLI has no repository to point into.
 */
function resolveFixtures(target: string): string {
  if (existsSync(target)) return path.resolve(target);
  const shipped = [path.join(FIXTURES_DIR, target), path.join(FIXTURES_DIR, `${target}.json`)].find((candidate) => existsSync(candidate));
  return shipped ?? path.resolve(target);
}

/**
 * `callrelay replay <fixture-or-folder> --to <url>`: posts recorded webhooks with their methods,
 * content types and pacing, so a pipeline can be tried without a PBX.
 */
export async function replayCommand(target: string, options: ReplayOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(options.to);
  } catch {
    throw new CommandFailure(`--to must be a URL such as http://127.0.0.1:8080/hooks/jambonz, got ${options.to}`, EXIT.USAGE);
  }
  let fixtures: WebhookFixture[];
  try {
    const resolved = resolveFixtures(target);
    fixtures = statSync(resolved).isDirectory() ? loadFixtures(undefined, resolved) : [loadFixture(resolved)];
  } catch (err) {
    throw new CommandFailure(`cannot read fixtures from ${target}: ${(err as Error).message}`, EXIT.USAGE);
  }
  const speed = Number(options.speed);
  if (!(speed > 0)) throw new CommandFailure('--speed must be a positive number', EXIT.USAGE);
  const extraHeaders: Record<string, string> = {};
  for (const h of options.header) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new CommandFailure(`--header must be "Name: value", got ${h}`, EXIT.USAGE);
    extraHeaders[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  if (options.basic) extraHeaders.authorization = `Basic ${Buffer.from(options.basic).toString('base64')}`;
  if (options.token) extraHeaders['x-callrelay-token'] = options.token;

  let sent = 0;
  let failed = 0;
  for (const fixture of fixtures) {
    process.stdout.write(`${fixture.name}: ${fixture.description}\n`);
    for (const request of fixture.requests) {
      if (options.pacing && request.delayMs) await new Promise((r) => setTimeout(r, request.delayMs! / speed));
      else if (options.pacing) await new Promise((r) => setTimeout(r, 200 / speed));
      const target = new URL(url);
      if (request.query) for (const [k, v] of new URLSearchParams(request.query)) target.searchParams.set(k, v);
      const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
      const headers: Record<string, string> = { ...request.headers, ...extraHeaders };
      if (request.contentType && method !== 'GET') headers['content-type'] = request.contentType;
      try {
        const response = await fetch(target, { method, headers, body: method === 'GET' ? undefined : request.body });
        const text = (await response.text()).slice(0, 200);
        sent += 1;
        if (!response.ok) failed += 1;
        process.stdout.write(`  ${response.status} ${request.step ?? method}${response.ok ? '' : `: ${text}`}\n`);
      } catch (err) {
        failed += 1;
        process.stdout.write(`  ERROR ${request.step ?? method}: ${(err as Error).message}\n`);
      }
    }
  }
  process.stdout.write(`${sent} request(s) sent, ${failed} not accepted\n`);
  if (failed) throw new CommandFailure(`${failed} request(s) were not accepted`, EXIT.FAILURE);
}
