// Sources with the mistakes a new author makes, each run through the source contract; run by
// ../contract-failures.test.ts in a child mocha, which checks that each fails the case it should,
// with a message that names the case and the fix. Not a `.test.ts`: the suite must not run it itself.
import { createHash } from 'node:crypto';
import { defineSource, header, parseJsonBody, verifySharedToken, z, type CallEventDraft, type IncomingWebhook } from '@callrelay/core';
import { runSourceContract, type SourceContractHarness, type WebhookFixture } from '../../src/index.js';

const fixtures: WebhookFixture[] = [{
  name: 'broken/missed',
  platform: 'broken',
  description: 'A call rings and the caller hangs up',
  requests: [
    { contentType: 'application/json', body: '{"callId":"b1","event":"ring","from":"+12125551212"}', expectTypes: ['ringing'] },
    { contentType: 'application/json', body: '{"callId":"b1","event":"hangup"}', expectTypes: ['ended'] },
  ],
  expectOutcomes: { missed: 1, completed: 0 },
}];

/** A draft from a parsed body `{ callId, event }`. */
function draft(body: { callId?: string; event?: string }, dedupeKey?: string): CallEventDraft {
  return { type: body.event === 'hangup' ? 'ended' : 'ringing', callId: body.callId ?? '', direction: 'inbound', raw: body, ...(dedupeKey ? { dedupeKey } : {}) };
}

/** A source from `verify` and `parse`, with a config of one token. */
const source = (type: string, verify: (r: IncomingWebhook) => ReturnType<typeof verifySharedToken>, parse: (r: IncomingWebhook) => CallEventDraft[]) => defineSource({
  type,
  description: 'A source with a mistake, for the contract failure tests.',
  config: z.object({ token: z.string().min(1).meta({ description: 'The token.' }) }),
  create: () => ({ verify, parse }),
});
const checkToken = (request: IncomingWebhook) => verifySharedToken(request, { token: 's3cret' });

const harness = (definition: SourceContractHarness['definition'], overrides: Partial<SourceContractHarness> = {}): SourceContractHarness => ({
  definition,
  config: { token: 's3cret' },
  fixtures,
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-callrelay-token': 's3cret' } }),
  // unauthorized left out: the default variant, a request without credentials.
  ...overrides,
});

// Answers 200 to a body it cannot parse: the bad-body case must fail.
runSourceContract('accepts bad bodies', harness(source('lenient', checkToken, (request) => {
  try { return [draft(JSON.parse(request.rawBody.toString('utf8')) as { callId?: string; event?: string })]; } catch { return []; }
})));

// Lets anyone in: the unauthorized case must fail.
runSourceContract('fails open', harness(source('open', () => ({ ok: true }), (request) => [draft(parseJsonBody(request) as { callId: string; event: string })])));

// Leaves out the direction, so the tracker cannot tell a missed call: the fixture case must fail and list the events.
runSourceContract('no direction', harness(source('undirected', checkToken, (request) => {
  const { direction: _direction, ...rest } = draft(parseJsonBody(request) as { callId: string; event: string });
  return [rest];
})));

// Makes each event unique by the time of receipt: the duplicate case must fail.
let received = 0;
runSourceContract('dedupes by arrival', harness(source('arrival', checkToken, (request) =>
  [draft(parseJsonBody(request) as { callId: string; event: string }, `arrival-${++received}`)])));

// Verifies a signature over the body, and the harness signs only the fixture bodies: the bad-body and burst cases get 401.
const sign = (body: string) => createHash('sha256').update(`s3cret:${body}`).digest('hex');
const signedFixtureBodies = new Map(fixtures.flatMap((f) => f.requests).map((r) => [r.body ?? '', sign(r.body ?? '')]));
runSourceContract('signs only the fixtures', harness(
  source('signed', (request) => header(request, 'x-sig') === sign(request.rawBody.toString('utf8')) ? { ok: true } : { ok: false, reason: 'bad signature' },
    (request) => [draft(parseJsonBody(request) as { callId: string; event: string })]),
  {
    authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-sig': signedFixtureBodies.get(request.body ?? '') ?? 'unsigned' } }),
    unauthorized: [{ name: 'no signature', request: (_ok, unsigned) => unsigned }],
  },
));

// A config the schema refuses: the suite stops before sending anything, with the schema's message.
runSourceContract('config that does not validate', harness(source('strict', checkToken, () => []), { config: { token: '' } }));

// No unauthorized variant: the harness is refused, saying what to add.
runSourceContract('no unauthorized variant', harness(source('unchecked', checkToken, () => []), { unauthorized: [] }));

// Not broken: its one fixture has a single request, so there is no scenario to shuffle; the shuffle case is skipped, saying why.
runSourceContract('single-request fixtures', harness(source('single', checkToken, (request) => [draft(parseJsonBody(request) as { callId: string; event: string })]), {
  fixtures: [{ ...fixtures[0]!, name: 'broken/ring', requests: fixtures[0]!.requests.slice(0, 1), expectOutcomes: undefined }],
}));
