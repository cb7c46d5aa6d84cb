import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationBehaviour } from '@callrelay/testkit';

/** One message the emulator accepted: the Adaptive Card it would have posted. */
export interface PostedCard {
  /** The request path and query (the flow id and signature of a Workflows URL). */
  url: string;
  card: Record<string, unknown> & { version: string; body: Record<string, unknown>[]; actions?: Record<string, unknown>[] };
}

/**
 * Which Teams endpoint to stand in for:
 * - `workflows`: a Workflows flow "Post to a channel when a webhook request is received": 202 with an
 *   empty body; 400 with a JSON `error` for a body that is not a message with Adaptive Card
 *   attachments; 404 `WorkflowNotFound` for a deleted flow; 429 with `Retry-After` when throttled;
 *   503 when unavailable.
 * - `legacy`: an Office 365 incoming webhook (retired): 200 with `1`; 400 `Summary or Text is
 *   required.` for a card it cannot read; and its habit of answering 200 with the real error in
 *   the text (`... Microsoft Teams endpoint returned HTTP error 429 ...`) when Teams refuses the
 *   message, without `Retry-After`.
 */
export type TeamsEndpoint = 'workflows' | 'legacy';

/**
 * A loopback stand-in for a Teams webhook, for tests: it checks each body as Teams would (a
 * `message` whose attachments are Adaptive Cards, version at most 1.4), answers as the current
 * {@link DestinationBehaviour} says, and keeps the cards it accepted.
 */
export class TeamsEmulator {
  readonly posted: PostedCard[] = [];
  /** Every request, with the status it got. */
  readonly requests: { body: string; status: number; headers: http.IncomingHttpHeaders }[] = [];
  private behaviour: DestinationBehaviour = 'ok';
  private server?: http.Server;
  private base?: string;

  constructor(readonly endpoint: TeamsEndpoint = 'workflows') {}

  /** Starts on 127.0.0.1 (any free port); resolves with the URL to configure as `webhookUrl`. */
  async start(): Promise<string> {
    if (this.base) return this.webhookUrl;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = this.answer(req, body);
        this.requests.push({ body, status: answer.status, headers: req.headers });
        res.writeHead(answer.status, { 'content-type': answer.json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8', ...answer.headers });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.webhookUrl;
  }

  /** A URL shaped like the service's (its query string is the signature, as in a real flow URL). */
  get webhookUrl(): string {
    if (!this.base) throw new Error('TeamsEmulator: call start() first');
    return this.endpoint === 'workflows'
      ? `${this.base}/powerautomate/automations/direct/workflows/0f1e2d3c/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3t-signature`
      : `${this.base}/webhookb2/0f1e2d3c@tenant/IncomingWebhook/s3cr3t/owner`;
  }

  behave(behaviour: DestinationBehaviour): void {
    this.behaviour = typeof behaviour === 'object' ? { ...behaviour } : behaviour;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.base = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string): { status: number; body: string; json?: boolean; headers?: Record<string, string> } {
    const legacy = this.endpoint === 'legacy';
    const refused = (code: number) => legacy
      ? { status: 200, body: `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${code} with ContextId tcid=0,server=msgapi-emulator,cv=emulator.0..` }
      : undefined;
    if (req.method !== 'POST') return { status: 405, body: '' };
    const problem = invalidMessage(body);
    if (problem) {
      return legacy
        ? { status: 400, body: 'Summary or Text is required.' }
        : { status: 400, json: true, body: JSON.stringify({ error: { code: 'InvalidRequestContent', message: problem } }) };
    }
    const b = this.behaviour;
    if (b === 'retryable') return refused(503) ?? { status: 503, json: true, body: JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'The service is unavailable.' } }) };
    if (b === 'permanent') return refused(404) ?? { status: 404, json: true, body: JSON.stringify({ error: { code: 'WorkflowNotFound', message: "The workflow '0f1e2d3c' could not be found." } }) };
    if (typeof b === 'object' && 'retryAfterSec' in b) {
      return refused(429) ?? {
        status: 429, json: true, headers: { 'retry-after': String(b.retryAfterSec) },
        body: JSON.stringify({ error: { code: 'WorkflowTriggerIsThrottled', message: 'The workflow trigger is throttled; retry later.' } }),
      };
    }
    if (typeof b === 'object' && 'acceptFirst' in b) {
      if (b.acceptFirst <= 0) return refused(503) ?? { status: 503, body: '' };
      b.acceptFirst -= 1;
    }
    const message = JSON.parse(body) as { attachments: { content: PostedCard['card'] }[] };
    for (const attachment of message.attachments) this.posted.push({ url: req.url ?? '', card: attachment.content });
    return legacy ? { status: 200, body: '1' } : { status: 202, body: '' };
  }
}

/** Why Teams would refuse a body, or undefined when it is a message with Adaptive Card attachments it can post. */
export function invalidMessage(body: string): string | undefined {
  let message: { type?: unknown; attachments?: unknown };
  try {
    message = JSON.parse(body) as typeof message;
  } catch {
    return 'The request content is not valid JSON.';
  }
  if (message.type !== 'message') return "The property 'type' must be 'message'.";
  if (!Array.isArray(message.attachments) || message.attachments.length === 0) return "The property 'attachments' must be a non-empty array.";
  for (const attachment of message.attachments as { contentType?: unknown; content?: { type?: unknown; version?: unknown; body?: unknown } }[]) {
    if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') return "The attachment's contentType must be 'application/vnd.microsoft.card.adaptive'.";
    const card = attachment.content;
    if (card?.type !== 'AdaptiveCard') return "Property 'type' must be 'AdaptiveCard'.";
    if (typeof card.version !== 'string' || !/^1\.[0-4]$/.test(card.version)) return `Adaptive Card version ${String(card.version)} is not supported (at most 1.4).`;
    if (!Array.isArray(card.body)) return "The card's 'body' must be an array.";
  }
  return undefined;
}
