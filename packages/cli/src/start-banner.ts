import path from 'node:path';
import type { OutgoingWebhook } from '@callrelay/core';
import type { ResolvedConfig, ResolvedSource } from '@callrelay/core/host';
import { doubleQuoted, RawConfig, singleQuoted } from './raw-config.js';

/** A recorded request to show for a source: the scenario's name (for `callrelay replay`) and its first request. */
export interface SampleRequest {
  fixtureName: string;
  request: OutgoingWebhook;
}

/** Stand-ins for secrets while signing a sample: letters and digits only, so URL-encoding keeps them whole. */
const marker = (n: number) => `CALLRELAYSECRET${n}X`;
const MARKERS = /CALLRELAYSECRET(\d+)X/g;

/**
 * The source's options with every secret value replaced by a marker, and the config path of each
 * marker: signing with these shows where each secret goes (a header, the query string) without
 * using it.
 */
function markSecrets(source: ResolvedSource, secretValues: readonly string[]): { options: Record<string, unknown>; paths: (string | number)[][] } {
  const secrets = new Set(secretValues);
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, at: (string | number)[]): unknown => {
    if (typeof value === 'string' && secrets.has(value)) {
      paths.push(at);
      return marker(paths.length - 1);
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...at, i]));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
    return value;
  };
  return { options: walk(source.options, ['sources', source.id]) as Record<string, unknown>, paths };
}

export interface BannerContext {
  config: ResolvedConfig;
  /** The config file as the user named it on the command line. */
  configArg: string;
  /** `http://host:port` where the node listens. */
  base: string;
  env: NodeJS.ProcessEnv;
}

/**
 * One command line that posts a recorded sample to this source and is accepted as printed (in a
 * shell with the node's environment): a curl line with the credentials the source verifies, each
 * secret written as the variable or file the config reads it from (`$JAMBONZ_PASSWORD`), never its
 * value; or, when a credential is computed from the request (a signature), a `callrelay replay
 * --sign` line, which signs with the source's configured secret.
 */
export function sampleCommand(source: ResolvedSource, sample: SampleRequest, context: BannerContext): string {
  const { config, base, env } = context;
  const unsigned: OutgoingWebhook = { ...sample.request, url: `${base}${source.route}${new URL(sample.request.url).search}` };
  const replay = () => `callrelay replay ${singleQuoted(sample.fixtureName)} --to ${singleQuoted(`${base}${source.route}`)} --config ${singleQuoted(context.configArg)} --source ${singleQuoted(source.id)} --sign`;
  const raw = RawConfig.read(config.file);
  let request = unsigned;
  let words: Map<number, string> | undefined = new Map();
  if (source.definition.sign) {
    const marked = markSecrets(source, config.secretValues);
    request = source.definition.sign(unsigned, marked.options, { nowMs: Date.now() });
    marked.paths.forEach((at, n) => {
      const word = raw?.shellWord(at, env);
      if (word !== undefined) words!.set(n, word);
    });
  }
  const shell = (text: string): string | undefined => {
    let out = '';
    let last = 0;
    for (const match of text.matchAll(MARKERS)) {
      const word = words?.get(Number(match[1]));
      if (word === undefined) return undefined; // a secret written in the file: not printed
      out += doubleQuoted(text.slice(last, match.index)) + word;
      last = match.index + match[0].length;
    }
    return `"${out}${doubleQuoted(text.slice(last))}"`;
  };
  const args: string[] = ['curl', '-sS', '--fail-with-body'];
  for (const [name, value] of Object.entries(request.headers)) {
    const basic = name === 'authorization' ? /^Basic\s+(.+)$/i.exec(value) : null;
    if (basic) {
      const word = shell(Buffer.from(basic[1]!, 'base64').toString('utf8'));
      if (word === undefined) return replay();
      args.push('-u', word);
      continue;
    }
    // A value that signing added or changed without a marker in it was computed from the request
    // (a signature): only `replay --sign` can produce it.
    if (unsigned.headers[name] !== value && !/CALLRELAYSECRET\d+X/.test(value)) return replay();
    const word = shell(`${name}: ${value}`);
    if (word === undefined) return replay();
    args.push('-H', word);
  }
  if (request.body !== undefined) {
    let body = request.body;
    try { body = JSON.stringify(JSON.parse(body)); } catch { /* a form body, or a deliberately malformed sample, stays as recorded */ }
    args.push('--data-binary', singleQuoted(body));
  }
  if (request.method !== 'POST' || request.body === undefined) args.push('-X', request.method);
  if (request.url !== unsigned.url && !/CALLRELAYSECRET\d+X/.test(request.url)) return replay();
  const url = shell(request.url);
  if (url === undefined) return replay();
  args.push(url);
  return args.join(' ');
}

/** The config file as the user would type it again from the current folder. */
export function configArgument(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(file) : relative;
}
