import { WebhookReceiver, type DestinationBehaviour, type ReceivedRequest, type ReceiverAnswer } from '@callrelay/testkit';

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

/** Teams' own error of each status the behaviours produce (a Workflows flow answers JSON). */
const WORKFLOWS_ERRORS: Record<number, { code: string; message: string }> = {
  404: { code: 'WorkflowNotFound', message: "The workflow '0f1e2d3c' could not be found." },
  429: { code: 'WorkflowTriggerIsThrottled', message: 'The workflow trigger is throttled; retry later.' },
  503: { code: 'ServiceUnavailable', message: 'The service is unavailable.' },
};

/**
 * A loopback stand-in for a Teams webhook, for tests: a testkit `WebhookReceiver` (which answers as
 * the current {@link DestinationBehaviour} says) whose answers are put in Teams' words: it checks
 * each body as Teams would (a `message` whose attachments are Adaptive Cards, version at most 1.4)
 * and keeps the cards it accepted.
 */
export class TeamsEmulator {
  readonly posted: PostedCard[] = [];
  private readonly receiver: WebhookReceiver;

  constructor(readonly endpoint: TeamsEndpoint = 'workflows') {
    this.receiver = new WebhookReceiver({ permanentStatus: 404, respond: (request, answer) => this.respond(request, answer) });
  }

  /** Every request, with the status it got. */
  get requests(): readonly ReceivedRequest[] {
    return this.receiver.requests;
  }

  /** Starts on 127.0.0.1 (any free port); resolves with the URL to configure as `webhookUrl`. */
  async start(): Promise<string> {
    await this.receiver.start();
    return this.webhookUrl;
  }

  /** A URL shaped like the service's (its query string is the signature, as in a real flow URL). */
  get webhookUrl(): string {
    return this.endpoint === 'workflows'
      ? `${this.receiver.url}/powerautomate/automations/direct/workflows/0f1e2d3c/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3t-signature`
      : `${this.receiver.url}/webhookb2/0f1e2d3c@tenant/IncomingWebhook/s3cr3t/owner`;
  }

  behave(behaviour: DestinationBehaviour): void {
    this.receiver.behave(behaviour);
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }

  private respond(request: Omit<ReceivedRequest, 'status'>, answer: ReceiverAnswer): ReceiverAnswer {
    const legacy = this.endpoint === 'legacy';
    const json = (status: number, error: { code: string; message: string }, headers: Record<string, string> = {}): ReceiverAnswer => ({
      status, body: JSON.stringify({ error }), headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });
    if (request.method !== 'POST') return { status: 405, body: '' };
    const problem = invalidMessage(request.body);
    if (problem) return legacy ? { status: 400, body: 'Summary or Text is required.' } : json(400, { code: 'InvalidRequestContent', message: problem });
    if (answer.status >= 200 && answer.status < 300) {
      const message = JSON.parse(request.body) as { attachments: { content: PostedCard['card'] }[] };
      for (const attachment of message.attachments) this.posted.push({ url: request.url, card: attachment.content });
      return legacy ? { status: 200, body: '1' } : { status: 202, body: '' };
    }
    // A legacy webhook reports Teams' refusal as a 200 with the status in its text, without Retry-After.
    if (legacy) {
      return { status: 200, body: `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${answer.status} with ContextId tcid=0,server=msgapi-emulator,cv=emulator.0..` };
    }
    const error = WORKFLOWS_ERRORS[answer.status];
    return error ? json(answer.status, error, answer.headers) : answer;
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
