import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import getRawBody from 'raw-body';
import { LoopbackServer } from './loopback.js';

/** A channel of the emulated workspace. */
export interface SlackEmulatorChannel {
  /** Channel id, e.g. `C0ALERTS01`. */
  id: string;
  /** Name without `#`, e.g. `alerts`. The Web API accepts either the id or the name. */
  name: string;
  /** An archived channel refuses messages: `is_archived` (Web API), 410 `channel_is_archived` (webhooks). */
  archived?: boolean;
  /** Whether the app behind the tokens is a member. When false, `chat.postMessage` answers `not_in_channel`. Default true. */
  member?: boolean;
}

/** How the emulator fails the requests that {@link SlackEmulator.failNext} applies to. */
export interface SlackFailure {
  /**
   * HTTP status. Default: 200 when `error` is given (a Web API `{ ok: false, error }`), else 500.
   * 429 sends `Retry-After` (default 1 s) and Slack's `ratelimited` / `rate_limited` body.
   */
  status?: number;
  /** The error word: the Web API's `error` field, or a webhook's plain-text body. */
  error?: string;
  /** Sets the `Retry-After` header (seconds). */
  retryAfterSec?: number;
}

/** Limit of messages per channel in a sliding window: Slack allows about one message per second per channel. */
export interface SlackChannelRateLimit {
  messages: number;
  perMs: number;
}

export interface SlackEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Valid Web API tokens. Default: [{@link SlackEmulator.DEFAULT_TOKEN}]. Change later through {@link SlackEmulator.tokens}. */
  tokens?: string[];
  /** The workspace's channels. Default: one channel `C0ALERTS01` named `alerts`. */
  channels?: SlackEmulatorChannel[];
  /**
   * Enforce a per-channel message rate (429 with `Retry-After` beyond it), as Slack does
   * (about 1 message per second per channel, short bursts allowed). Default: not enforced, so that
   * tests posting quickly stay deterministic.
   */
  channelRateLimit?: SlackChannelRateLimit;
}

/** A message the emulator accepted. */
export interface SlackMessageRecord {
  via: 'webhook' | 'chat.postMessage' | 'chat.update';
  /** The channel id. */
  channel: string;
  /** The message timestamp (its id within the channel). */
  ts: string;
  /** For a reply (`chat.postMessage` with `thread_ts`): the ts of the thread's parent message. */
  threadTs?: string;
  text?: string;
  blocks?: unknown[];
  /** The payload as received: JSON as parsed, form fields as strings (`blocks` parsed from JSON). */
  payload: Record<string, unknown>;
  /** The Web API token used (not set for webhooks). */
  token?: string;
  receivedAt: Date;
}

/** One request as the emulator saw and answered it. */
export interface SlackRequestRecord {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  response: string;
  receivedAt: Date;
}

interface PendingFailure {
  remaining: number;
  failure: SlackFailure;
  match?: string | RegExp;
}

interface Webhook {
  channel: string;
  revoked: boolean;
}

interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

/** Block types Slack's Block Kit knows (messages surface). */
const BLOCK_TYPES = new Set(['section', 'header', 'divider', 'context', 'actions', 'image', 'rich_text', 'input', 'file', 'video', 'markdown', 'call']);
const MAX_BLOCKS = 50;
const MAX_TEXT_CHARS = 40_000;
const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;

/** Why a text object is not valid, or undefined. */
function textObjectProblem(value: unknown, where: string, types: string[] = ['plain_text', 'mrkdwn'], max = MAX_SECTION_TEXT): string | undefined {
  if (typeof value !== 'object' || value === null) return `${where} must be a text object`;
  const { type, text } = value as { type?: unknown; text?: unknown };
  if (typeof type !== 'string' || !types.includes(type)) return `${where}.type must be one of ${types.join(', ')}`;
  if (typeof text !== 'string' || text.length === 0) return `${where}.text must be a non-empty string`;
  if (text.length > max) return `${where}.text must be at most ${max} characters`;
  return undefined;
}

/**
 * The first problem of a `blocks` array as Block Kit defines it (only the rules a notifier can
 * break: known types, text objects, lengths, counts), or undefined when it is valid.
 */
export function slackBlocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > MAX_BLOCKS) return `at most ${MAX_BLOCKS} blocks`;
  const ids = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    const where = `blocks[${index}]`;
    if (typeof block !== 'object' || block === null) return `${where} must be an object`;
    const b = block as Record<string, unknown>;
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) return `${where}.type is not a known block type`;
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length > 255) return `${where}.block_id must be a string of at most 255 characters`;
      if (ids.has(b.block_id)) return `${where}.block_id is repeated`;
      ids.add(b.block_id);
    }
    switch (b.type) {
      case 'section': {
        if (b.text === undefined && b.fields === undefined) return `${where} needs text or fields`;
        if (b.text !== undefined) { const p = textObjectProblem(b.text, `${where}.text`); if (p) return p; }
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) return `${where}.fields must hold 1 to 10 text objects`;
          for (const [i, field] of b.fields.entries()) { const p = textObjectProblem(field, `${where}.fields[${i}]`, undefined, 2000); if (p) return p; }
        }
        break;
      }
      case 'header': {
        const p = textObjectProblem(b.text, `${where}.text`, ['plain_text'], MAX_HEADER_TEXT);
        if (p) return p;
        break;
      }
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) return `${where}.elements must hold 1 to 10 elements`;
        for (const [i, element] of b.elements.entries()) {
          const type = (element as { type?: unknown } | null)?.type;
          if (type === 'image') continue;
          const p = textObjectProblem(element, `${where}.elements[${i}]`);
          if (p) return p;
        }
        break;
      }
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return `${where}.elements must hold 1 to 25 elements`;
        break;
      case 'image':
        if (typeof b.image_url !== 'string' && b.slack_file === undefined) return `${where}.image_url is required`;
        if (typeof b.alt_text !== 'string') return `${where}.alt_text is required`;
        break;
      default:
        break;
    }
  }
  return undefined;
}

/**
 * A local Slack for sink tests: incoming webhooks (`POST /services/...`) and the Web API methods a
 * notifier uses (`POST /api/chat.postMessage`, `/api/chat.update`, `/api/auth.test`), over real
 * HTTP on loopback. It answers as Slack documents: webhooks with plain-text bodies and HTTP
 * statuses (`ok`, 400 `invalid_payload`, 403 `invalid_token`, 404 `channel_not_found`, 410
 * `channel_is_archived`...), the Web API with HTTP 200 and `{ ok: false, error }` (HTTP 429 with
 * `Retry-After` when rate limited). It records what it received and has knobs to make it fail.
 *
 * ```ts
 * const slack = new SlackEmulator({ channels: [{ id: 'C0ALERTS01', name: 'alerts' }] });
 * await slack.start();
 * const client = new WebClient(SlackEmulator.DEFAULT_TOKEN, { slackApiUrl: slack.apiUrl });
 * const hook = slack.webhookUrl('alerts');
 * slack.failNext(1, { status: 429, retryAfterSec: 3 });
 * // ... deliver, then inspect slack.messages
 * await slack.stop();
 * ```
 */
export class SlackEmulator {
  /** The token valid by default. */
  static readonly DEFAULT_TOKEN = 'xoxb-0000000000-emulator-token';

  /**
   * The valid Web API tokens. Change it while running: remove one to make requests fail with
   * `invalid_auth`, add one to "fix" a token. A request without any token gets `not_authed`.
   */
  readonly tokens: Set<string>;
  /** Messages accepted, in order (webhook posts, `chat.postMessage`, `chat.update`). */
  readonly messages: SlackMessageRecord[] = [];
  /** Every request received, with the answer given, in order. */
  readonly requests: SlackRequestRecord[] = [];

  private readonly channels = new Map<string, SlackEmulatorChannel>();
  private readonly webhooks = new Map<string, Webhook>();
  private readonly failures: PendingFailure[] = [];
  private readonly recentByChannel = new Map<string, number[]>();
  private readonly app = new Koa();
  private readonly listener: LoopbackServer;
  private sequence = 0;

  constructor(private readonly options: SlackEmulatorOptions = {}) {
    this.tokens = new Set(options.tokens ?? [SlackEmulator.DEFAULT_TOKEN]);
    for (const channel of options.channels ?? [{ id: 'C0ALERTS01', name: 'alerts' }]) this.addChannel(channel);
    this.app.silent = true;
    this.listener = new LoopbackServer(this.app, 'SlackEmulator', options);
    const router = new Router();
    router.post('/services/*path', async (ctx) => {
      const answer = await this.record(ctx, (body) => this.handleWebhook(ctx.path.slice('/services/'.length), body, ctx.get('content-type')));
      this.send(ctx, answer);
    });
    router.post('/api/:method', async (ctx) => {
      const method = String(ctx.params.method);
      const answer = await this.record(ctx, (body) => this.handleApi(method, body, ctx.get('content-type'), ctx.get('authorization')));
      this.send(ctx, answer);
    });
    this.app.use(router.routes());
    this.app.use((ctx) => {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'not_found';
    });
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  start(): Promise<string> {
    return this.listener.start();
  }

  /** Stops listening and closes open connections. Safe to call twice. */
  stop(): Promise<void> {
    return this.listener.stop();
  }

  /** The base URL; throws before {@link start}. */
  get url(): string {
    return this.listener.url;
  }

  /** The Web API base URL (`<url>/api/`), e.g. for `new WebClient(token, { slackApiUrl })`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /**
   * Creates an incoming webhook that posts into `channel` (id or name) and returns its URL,
   * `<url>/services/T…/B…/…` like Slack's. The channel may be unknown (posts then get 404
   * `channel_not_found`), so a test can point a webhook at a channel that was deleted.
   */
  webhookUrl(channel: string): string {
    const path = `T0EMULATOR/B${randomBytes(5).toString('hex').toUpperCase()}/${randomBytes(12).toString('hex')}`;
    this.webhooks.set(path, { channel, revoked: false });
    return `${this.url}/services/${path}`;
  }

  /** Revokes a webhook: posts to it then get 403 `invalid_token`. */
  revokeWebhook(url: string): void {
    const hook = this.webhooks.get(new URL(url).pathname.slice('/services/'.length));
    if (hook) hook.revoked = true;
  }

  /** Adds (or replaces) a channel. */
  addChannel(channel: SlackEmulatorChannel): void {
    this.channels.set(channel.id, { member: true, archived: false, ...channel });
  }

  /** Changes a channel (archive it, remove the app from it): `updateChannel('alerts', { archived: true })`. */
  updateChannel(idOrName: string, patch: Partial<Omit<SlackEmulatorChannel, 'id'>>): void {
    const channel = this.findChannel(idOrName);
    if (!channel) throw new Error(`SlackEmulator: no channel ${idOrName}`);
    Object.assign(channel, patch);
  }

  /** Deletes a channel: posts to it get `channel_not_found`. */
  removeChannel(idOrName: string): void {
    const channel = this.findChannel(idOrName);
    if (channel) this.channels.delete(channel.id);
  }

  /**
   * Fails the next `count` requests the way described, before any other check. With
   * `options.match`, only requests whose `"<METHOD> <path>"` equals the string
   * (`'POST /api/chat.postMessage'`) or matches the RegExp (`/\/services\//`) count. Calls queue
   * up: the first one is used up first.
   */
  failNext(count: number, failure: SlackFailure, options: { match?: string | RegExp } = {}): void {
    if (count > 0) this.failures.push({ remaining: count, failure, match: options.match });
  }

  /** Drops the failures {@link failNext} queued and not used up yet. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** The accepted messages of one channel (id or name). */
  messagesIn(idOrName: string): SlackMessageRecord[] {
    const id = this.findChannel(idOrName)?.id ?? idOrName;
    return this.messages.filter((m) => m.channel === id);
  }

  /**
   * Top-level messages of a channel as they read now: `chat.postMessage` posts without `thread_ts`,
   * each with its latest `chat.update` applied, and its replies in order.
   */
  conversation(idOrName: string): { message: SlackMessageRecord; replies: SlackMessageRecord[] }[] {
    const all = this.messagesIn(idOrName);
    return all.filter((m) => m.via !== 'chat.update' && !m.threadTs).map((root) => ({
      message: all.filter((m) => m.ts === root.ts && m.via === 'chat.update').at(-1) ?? root,
      replies: all.filter((m) => m.threadTs === root.ts && m.via === 'chat.postMessage'),
    }));
  }

  /** Forgets recorded messages and requests, pending failures and rate-limit windows. Channels, tokens and webhooks stay. */
  reset(): void {
    this.messages.length = 0;
    this.requests.length = 0;
    this.failures.length = 0;
    this.recentByChannel.clear();
  }

  private findChannel(idOrName: string): SlackEmulatorChannel | undefined {
    const key = idOrName.replace(/^#/, '');
    return this.channels.get(key) ?? [...this.channels.values()].find((c) => c.name === key);
  }

  private async record(ctx: Koa.Context, handle: (body: string) => Answer): Promise<Answer> {
    const receivedAt = new Date();
    let body = '';
    let answer: Answer;
    try {
      body = (await getRawBody(ctx.req, { limit: '1mb' })).toString('utf8');
      answer = this.injectedFailure(`${ctx.method} ${ctx.path}`, ctx.path.startsWith('/api/')) ?? handle(body);
    } catch {
      answer = { status: 400, body: 'invalid_payload', contentType: 'text/plain' };
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.headers)) if (typeof value === 'string') headers[name] = value;
    this.requests.push({ method: ctx.method, path: ctx.path, headers, body, status: answer.status, response: answer.body, receivedAt });
    return answer;
  }

  private send(ctx: Koa.Context, answer: Answer): void {
    ctx.status = answer.status;
    for (const [name, value] of Object.entries(answer.headers ?? {})) ctx.set(name, value);
    ctx.type = answer.contentType;
    ctx.body = answer.body;
  }

  private injectedFailure(request: string, api: boolean): Answer | undefined {
    const index = this.failures.findIndex((f) => f.match === undefined || (typeof f.match === 'string' ? request === f.match : f.match.test(request)));
    if (index < 0) return undefined;
    const pending = this.failures[index]!;
    if (--pending.remaining <= 0) this.failures.splice(index, 1);
    const { failure } = pending;
    const status = failure.status ?? (failure.error ? 200 : 500);
    const headers: Record<string, string> = {};
    if (failure.retryAfterSec !== undefined) headers['retry-after'] = String(failure.retryAfterSec);
    else if (status === 429) headers['retry-after'] = '1';
    if (api) {
      const error = failure.error ?? (status === 429 ? 'ratelimited' : status >= 500 ? 'internal_error' : 'invalid_request');
      return { status, body: JSON.stringify({ ok: false, error }), contentType: 'application/json', headers };
    }
    const error = failure.error ?? (status === 429 ? 'rate_limited' : status >= 500 ? 'rollup_error' : 'invalid_payload');
    return { status, body: error, contentType: 'text/plain', headers };
  }

  /** A 429 when the channel already had its share of messages in the window, else undefined (and the message is counted). */
  private rateLimited(channelId: string): number | undefined {
    const limit = this.options.channelRateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    const recent = (this.recentByChannel.get(channelId) ?? []).filter((t) => t > now - limit.perMs);
    if (recent.length >= limit.messages) {
      this.recentByChannel.set(channelId, recent);
      return Math.max(1, Math.ceil((recent[0]! + limit.perMs - now) / 1000));
    }
    recent.push(now);
    this.recentByChannel.set(channelId, recent);
    return undefined;
  }

  private nextTs(): string {
    this.sequence += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.sequence).padStart(6, '0')}`;
  }

  // --- incoming webhooks: plain-text answers with meaningful HTTP statuses ---

  private handleWebhook(path: string, body: string, contentType: string): Answer {
    const text = (status: number, word: string, headers?: Record<string, string>): Answer => ({ status, body: word, contentType: 'text/plain', headers });
    const hook = this.webhooks.get(path);
    if (!hook) return text(404, 'no_service');
    if (hook.revoked) return text(403, 'invalid_token');
    let payload: unknown;
    try {
      payload = contentType.includes('application/x-www-form-urlencoded')
        ? JSON.parse(new URLSearchParams(body).get('payload') ?? '')
        : JSON.parse(body);
    } catch {
      return text(400, 'invalid_payload');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return text(400, 'invalid_payload');
    const message = payload as Record<string, unknown>;
    if (message.blocks !== undefined && slackBlocksProblem(message.blocks)) return text(400, 'invalid_blocks');
    if (!hasContent(message)) return text(400, 'no_text');
    if (typeof message.text === 'string' && message.text.length > MAX_TEXT_CHARS) return text(400, 'msg_too_long');
    const channel = this.findChannel(hook.channel);
    if (!channel) return text(404, 'channel_not_found');
    if (channel.archived) return text(410, 'channel_is_archived');
    const wait = this.rateLimited(channel.id);
    if (wait !== undefined) return text(429, 'rate_limited', { 'retry-after': String(wait) });
    this.messages.push({
      via: 'webhook', channel: channel.id, ts: this.nextTs(), payload: message, receivedAt: new Date(),
      ...(typeof message.text === 'string' ? { text: message.text } : {}),
      ...(Array.isArray(message.blocks) ? { blocks: message.blocks } : {}),
    });
    return text(200, 'ok');
  }

  // --- Web API: HTTP 200 with { ok, error }, except 429 ---

  private handleApi(method: string, body: string, contentType: string, authorization: string): Answer {
    const json = (value: Record<string, unknown>, status = 200, headers?: Record<string, string>): Answer =>
      ({ status, body: JSON.stringify(value), contentType: 'application/json', headers });
    const fail = (error: string, extra: Record<string, unknown> = {}) => json({ ok: false, error, ...extra });

    let args: Record<string, unknown>;
    if (body.trim() === '') args = {};
    else if (contentType.includes('application/json')) {
      try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('invalid_json');
        args = parsed as Record<string, unknown>;
      } catch {
        return fail('invalid_json');
      }
    } else if (contentType.includes('application/x-www-form-urlencoded') || contentType === '') {
      args = Object.fromEntries(new URLSearchParams(body));
    } else {
      return fail('invalid_post_type');
    }

    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    if (!token) return fail('not_authed');
    if (!this.tokens.has(token)) return fail('invalid_auth');

    switch (method) {
      case 'auth.test':
        return json({ ok: true, url: `${this.url}/`, team: 'Emulated workspace', user: 'callrelay', team_id: 'T0EMULATOR', user_id: 'U0EMULATOR', bot_id: 'B0EMULATOR' });
      case 'chat.postMessage':
      case 'chat.update': {
        const channel = typeof args.channel === 'string' ? this.findChannel(args.channel) : undefined;
        if (!channel) return fail('channel_not_found');
        if (channel.archived) return fail('is_archived');
        if (channel.member === false) return fail('not_in_channel');
        let blocks: unknown = args.blocks;
        if (typeof blocks === 'string') {
          try { blocks = JSON.parse(blocks); } catch { return fail('invalid_blocks_format'); }
        }
        if (blocks !== undefined && !Array.isArray(blocks)) return fail('invalid_blocks_format');
        if (blocks !== undefined) {
          const problem = slackBlocksProblem(blocks);
          if (problem) return fail('invalid_blocks', { response_metadata: { messages: [`[ERROR] ${problem}`] } });
        }
        const payload: Record<string, unknown> = { ...args, ...(blocks !== undefined ? { blocks } : {}) };
        delete payload.token;
        if (!hasContent(payload)) return fail('no_text');
        if (typeof args.text === 'string' && args.text.length > MAX_TEXT_CHARS) return fail('msg_too_long');
        return method === 'chat.update' ? this.update(channel, payload, token, json, fail) : this.post(channel, payload, token, json);
      }
      default:
        return fail('unknown_method');
    }
  }

  private post(channel: SlackEmulatorChannel, payload: Record<string, unknown>, token: string, json: (v: Record<string, unknown>, s?: number, h?: Record<string, string>) => Answer): Answer {
    const wait = this.rateLimited(channel.id);
    if (wait !== undefined) return json({ ok: false, error: 'ratelimited' }, 429, { 'retry-after': String(wait) });
    // A reply: Slack threads under the parent's ts; a reply's own ts names its parent's thread
    // ("use the parent's ts"; docs.slack.dev, message threading). An unknown ts is refused here
    // (`thread_not_found`), so that a sink threading under a wrong ts is caught by its tests.
    let threadTs: string | undefined;
    if (typeof payload.thread_ts === 'string' && payload.thread_ts !== '') {
      const parent = this.messages.find((m) => m.channel === channel.id && m.ts === payload.thread_ts && m.via !== 'chat.update');
      if (!parent) return json({ ok: false, error: 'thread_not_found' });
      threadTs = parent.threadTs ?? parent.ts;
    }
    const ts = this.nextTs();
    const record: SlackMessageRecord = {
      via: 'chat.postMessage', channel: channel.id, ts, payload, token, receivedAt: new Date(),
      ...(threadTs ? { threadTs } : {}),
      ...(typeof payload.text === 'string' ? { text: payload.text } : {}),
      ...(Array.isArray(payload.blocks) ? { blocks: payload.blocks } : {}),
    };
    this.messages.push(record);
    return json({ ok: true, channel: channel.id, ts, message: messageObject(record) });
  }

  private update(channel: SlackEmulatorChannel, payload: Record<string, unknown>, token: string, json: (v: Record<string, unknown>) => Answer, fail: (error: string) => Answer): Answer {
    const ts = typeof payload.ts === 'string' ? payload.ts : undefined;
    if (!ts || !this.messages.some((m) => m.channel === channel.id && m.ts === ts && m.via !== 'webhook')) return fail('message_not_found');
    const record: SlackMessageRecord = {
      via: 'chat.update', channel: channel.id, ts, payload, token, receivedAt: new Date(),
      ...(typeof payload.text === 'string' ? { text: payload.text } : {}),
      ...(Array.isArray(payload.blocks) ? { blocks: payload.blocks } : {}),
    };
    this.messages.push(record);
    return json({ ok: true, channel: channel.id, ts, text: record.text ?? '', message: messageObject(record) });
  }
}

/** Slack refuses a message with nothing to show. */
function hasContent(message: Record<string, unknown>): boolean {
  const nonEmpty = (v: unknown) => (typeof v === 'string' && v.trim() !== '') || (Array.isArray(v) && v.length > 0);
  return nonEmpty(message.text) || nonEmpty(message.blocks) || nonEmpty(message.attachments);
}

/** The `message` object of a Web API answer. */
function messageObject(record: SlackMessageRecord): Record<string, unknown> {
  return {
    type: 'message', subtype: 'bot_message', bot_id: 'B0EMULATOR', app_id: 'A0EMULATOR', ts: record.ts, text: record.text ?? '',
    ...(record.threadTs ? { thread_ts: record.threadTs } : {}),
    ...(record.blocks ? { blocks: record.blocks } : {}),
  };
}
