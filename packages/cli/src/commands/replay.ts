import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { OutgoingWebhook } from '@callrelay/core';
import type { ResolvedConfig, ResolvedSource } from '@callrelay/core/host';
import { loadFixture, loadFixtures, type FixtureRequest, type WebhookFixture } from '@callrelay/fixtures';
import { bundledRegistry } from '../bundled.js';
import { CommandFailure, loadConfigOrFail } from '../config-file.js';
import { EXIT } from '../exit-codes.js';

export interface ReplayOptions {
  to?: string;
  config?: string;
  source?: string;
  sign?: boolean;
  pacing: boolean;
  header: string[];
  basic?: string;
  token?: string;
  speed: string;
}

/**
 * The fixtures to send: a fixture file, a folder of them, or the name of a recorded scenario
 * (`jambonz/call-hook`) or platform (`jambonz`) among the fixtures shipped with callrelay.
 */
function readFixtures(target: string): WebhookFixture[] {
  if (existsSync(target)) {
    return statSync(target).isDirectory() ? loadFixtures(undefined, path.resolve(target)) : [loadFixture(path.resolve(target))];
  }
  const bundled = loadFixtures();
  const named = bundled.filter((fixture) => fixture.name === target || fixture.platform === target);
  if (!named.length) throw new Error(`no such file or folder, and no recorded scenario or platform named ${target} (names look like jambonz/call-hook)`);
  return named;
}

/** The source `--source` names, or the config's only source. */
function pickSource(config: ResolvedConfig, id: string | undefined): ResolvedSource {
  const ids = config.sources.map((source) => source.id).join(', ');
  if (id === undefined) {
    if (config.sources.length === 1) return config.sources[0]!;
    throw new CommandFailure(`--source is needed: ${config.file} has ${config.sources.length} sources (${ids || 'none'})`, EXIT.USAGE);
  }
  const source = config.sources.find((candidate) => candidate.id === id);
  if (!source) throw new CommandFailure(`no source "${id}" in ${config.file} (sources: ${ids || 'none'})`, EXIT.USAGE);
  return source;
}

/** Where the config's node listens for this source (a wildcard host is reached on loopback). */
function routeUrl(config: ResolvedConfig, source: ResolvedSource): string {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}${source.route}`;
}

/** The request of one recorded step, sent to `url`, before credentials. */
export function outgoingRequest(request: FixtureRequest, url: URL, extraHeaders: Record<string, string>): OutgoingWebhook {
  const target = new URL(url);
  if (request.query) for (const [k, v] of new URLSearchParams(request.query)) target.searchParams.set(k, v);
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
  Object.assign(headers, extraHeaders);
  if (request.contentType && method !== 'GET') headers['content-type'] = request.contentType;
  return { method, url: target.href, headers, ...(method === 'GET' || request.body === undefined ? {} : { body: request.body }) };
}

/**
 * `callrelay replay <fixtures> --to <url>`: posts recorded webhooks with their methods, content
 * types and pacing, so a pipeline can be tried without a PBX. With `--config` (and `--source` when
 * the file has several), the URL defaults to that source's route, and `--sign` adds the credentials
 * the source verifies (Basic auth, token, signature), computed by the source's own `sign`.
 */
export async function replayCommand(target: string, options: ReplayOptions): Promise<void> {
  if (options.sign && !options.config) throw new CommandFailure('--sign needs --config <pipeline file>: the credentials come from the source configured there', EXIT.USAGE);
  if (!options.to && !options.config) throw new CommandFailure('give --to <url>, or --config <pipeline file> (and --source <id>) to post to a configured source', EXIT.USAGE);
  const config = options.config ? await loadConfigOrFail(options.config, await bundledRegistry()) : undefined;
  const source = config ? pickSource(config, options.source) : undefined;
  const sign = options.sign ? source!.definition.sign : undefined;
  if (options.sign && !sign) {
    throw new CommandFailure(`source ${source!.id} (${source!.definition.type}) cannot sign requests: its connector has no sign(); use --basic, --token or --header`, EXIT.USAGE);
  }
  const to = options.to ?? routeUrl(config!, source!);
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new CommandFailure(`--to must be a URL such as http://127.0.0.1:8080/hooks/jambonz, got ${to}`, EXIT.USAGE);
  }
  let fixtures: WebhookFixture[];
  try {
    fixtures = readFixtures(target);
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
      let message = outgoingRequest(request, url, extraHeaders);
      // Signed just before sending: a timestamped signature (jambonz) must not age during pacing.
      if (sign) message = sign(message, source!.options, { nowMs: Date.now() });
      try {
        const response = await fetch(message.url, { method: message.method, headers: message.headers, body: message.body });
        const text = (await response.text()).slice(0, 200);
        sent += 1;
        if (!response.ok) failed += 1;
        process.stdout.write(`  ${response.status} ${request.step ?? message.method}${response.ok ? '' : `: ${text}`}\n`);
      } catch (err) {
        failed += 1;
        process.stdout.write(`  ERROR ${request.step ?? message.method}: ${(err as Error).message}\n`);
      }
    }
  }
  process.stdout.write(`${sent} request(s) sent, ${failed} not accepted\n`);
  if (failed) throw new CommandFailure(`${failed} request(s) were not accepted`, EXIT.FAILURE);
}
