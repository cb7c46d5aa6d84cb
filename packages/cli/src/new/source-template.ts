import { authSchema, basicAuthSchema, defineSource, PLUGIN_API_VERSION, sharedTokenSchema, z, type SourceDefinition } from '@callrelay/core';
import type { GeneratedFile } from '../init/project.js';
import type { ScaffoldNames } from './names.js';
import { tsLiteral } from './ts-literal.js';

/**
 * The config schema of a new source, as source text: written into the package's `src/config.ts`
 * and evaluated here (same core building blocks in scope) for the first `docs/<name>.md`, so the
 * page and the code share one schema. Plain JavaScript on purpose, so it can be evaluated.
 */
const CONFIG_SOURCE = `z.object({
  auth: authSchema({
    token: sharedTokenSchema.optional().meta({
      description: 'A shared token the platform sends in a header (\`x-callrelay-token\`, or \`Authorization: Bearer\`) or in the webhook URL (\`?token=\`).',
    }),
    basic: basicAuthSchema.optional().meta({ description: 'HTTP Basic credentials the platform sends with each webhook.' }),
  }, { required: ['token', 'basic'] }).meta({
    description: 'How webhooks are verified: every method configured must pass, or the request gets 401 and is not stored. Required: \`none\` turns verification off explicitly (logged as a warning).',
  }),
})`;

function description(names: ScaffoldNames): string {
  return `Call webhooks of ${names.type} (JSON: ringing, answered, ended), verified by a shared token or HTTP Basic credentials.`;
}

function example(names: ScaffoldNames): Record<string, unknown> {
  return { type: names.type, auth: { token: { value: `\${${names.envPrefix}_TOKEN}` } } };
}

/** The source as the generated package defines it, for the page written at scaffold time (never created). */
export function sourceDefinitionForDocs(names: ScaffoldNames): SourceDefinition {
  // Evaluates our own constant above, which holds no user input.
  const config = new Function('z', 'authSchema', 'basicAuthSchema', 'sharedTokenSchema', `return (${CONFIG_SOURCE});`)(
    z, authSchema, basicAuthSchema, sharedTokenSchema) as z.ZodObject<z.ZodRawShape>;
  return defineSource({
    type: names.type, description: description(names), config, example: example(names),
    create: () => { throw new Error('only for the docs page'); },
  });
}

/** One recorded call, as `test/fixtures/*.json` holds it (the format of @callrelay/fixtures). */
function fixture(names: ScaffoldNames, scenario: string, text: string, steps: { step: string; body: Record<string, unknown> }[], outcomes: { missed: number; completed: number }) {
  return `${JSON.stringify({
    name: `${names.type}/${scenario}`,
    platform: names.type,
    description: text,
    requests: steps.map((s) => ({
      step: s.step, contentType: 'application/json', body: JSON.stringify(s.body), expectTypes: [String(s.body.event)],
    })),
    expectOutcomes: outcomes,
  }, null, 2)}\n`;
}

function fixtures(names: ScaffoldNames): GeneratedFile[] {
  const call = { direction: 'inbound', from: '+12125551212', to: '+14155550100' };
  return [
    {
      path: 'test/fixtures/missed-call.json',
      content: fixture(names, 'missed-call', 'An inbound call rings for 20 seconds and the caller hangs up before anyone answers.', [
        { step: 'the phone rings', body: { event: 'ringing', callId: 'call-1001', ...call, timestamp: '2026-01-05T15:00:00Z' } },
        { step: 'the caller hangs up', body: { event: 'ended', callId: 'call-1001', ...call, outcome: 'no-answer', timestamp: '2026-01-05T15:00:20Z' } },
      ], { missed: 1, completed: 0 }),
    },
    {
      path: 'test/fixtures/answered-call.json',
      content: fixture(names, 'answered-call', 'An inbound call is answered after 5 seconds and lasts a minute.', [
        { step: 'the phone rings', body: { event: 'ringing', callId: 'call-1002', ...call, timestamp: '2026-01-05T16:00:00Z' } },
        { step: 'an agent answers', body: { event: 'answered', callId: 'call-1002', ...call, agent: '101', timestamp: '2026-01-05T16:00:05Z' } },
        { step: 'the call ends', body: { event: 'ended', callId: 'call-1002', ...call, agent: '101', outcome: 'answered', timestamp: '2026-01-05T16:01:05Z' } },
      ], { missed: 0, completed: 1 }),
    },
  ];
}

/** `src/config.ts`, `src/mapping.ts`, `src/index.ts`, the contract test and its fixtures of a new source. */
export function sourceFiles(names: ScaffoldNames): GeneratedFile[] {
  const Name = names.identifier.slice(0, -'Source'.length).replace(/^./, (c) => c.toUpperCase());
  const camel = `${Name[0]!.toLowerCase()}${Name.slice(1)}`;
  const config = `import { authSchema, basicAuthSchema, sharedTokenSchema, z } from '@callrelay/core';

/**
 * The source's own config keys (callrelay adds \`type\`, \`route\` and \`defaultCountry\`):
 * validation, TypeScript type, JSON Schema and the table of docs/${names.type}.md come from this one
 * schema. Sources fail closed: \`auth\` has no default.
 */
export const ${camel}Config = ${CONFIG_SOURCE};

/** The config as the source receives it: validated, defaults applied. */
export type ${Name}Config = z.output<typeof ${camel}Config>;
`;
  const mapping = `import {
  badRequest, CALL_OUTCOMES, fieldText, fieldTime, ownEntry, pickField, type CallDirection, type CallEventDraft, type CallEventType, type CallOutcome,
} from '@callrelay/core';

/** The platform's event names and the canonical types they become (unknown ones: \`unknown\`, flagged). */
export const EVENT_TYPES: Readonly<Record<string, CallEventType>> = { ringing: 'ringing', answered: 'answered', ended: 'ended' };

const DIRECTIONS: Readonly<Record<string, CallDirection>> = { inbound: 'inbound', outbound: 'outbound', internal: 'internal' };
const OUTCOMES: Readonly<Record<string, CallOutcome>> = Object.fromEntries(CALL_OUTCOMES.map((o) => [o, o]));

/**
 * Maps one webhook body to a canonical event draft. Throws \`badRequest\` (400, nothing stored) for
 * a body that is not a call event. Never emits \`missed\` or \`completed\`: callrelay's call tracker
 * decides those from \`answered\` and \`ended\`. The \`dedupeKey\` makes a re-sent webhook count once.
 */
export function map${Name}Body(body: unknown): CallEventDraft {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('expected a JSON object with callId and event');
  const fields = body as Record<string, unknown>;
  const callId = fieldText(pickField(fields, 'callId'));
  if (!callId) throw badRequest('missing callId: not a call webhook');
  const name = fieldText(pickField(fields, 'event'))?.toLowerCase();
  const type = ownEntry(EVENT_TYPES, name) ?? 'unknown';
  const draft: CallEventDraft = { callId, type, raw: body, dedupeKey: \`\${callId}|\${name ?? ''}\` };
  if (name) draft.status = name;
  const direction = ownEntry(DIRECTIONS, fieldText(pickField(fields, 'direction'))?.toLowerCase());
  if (direction) draft.direction = direction;
  const from = fieldText(pickField(fields, 'from'));
  const to = fieldText(pickField(fields, 'to'));
  const agent = fieldText(pickField(fields, 'agent'));
  if (from) draft.from = { raw: from };
  if (to) draft.to = { raw: to };
  if (agent) draft.agent = { raw: agent, extension: agent, kind: 'ext' };
  const at = fieldTime(pickField(fields, 'timestamp'));
  if (at) draft.occurredAt = at;
  if (type === 'answered' && at) draft.answeredAt = at;
  if (type === 'ended') {
    if (at) draft.endedAt = at;
    const outcome = ownEntry(OUTCOMES, fieldText(pickField(fields, 'outcome'))?.toLowerCase());
    if (outcome) draft.outcome = outcome;
  }
  if (type === 'unknown') draft.flags = ['unclassified'];
  return draft;
}
`;
  const index = `/**
 * ${names.packageName}: a callrelay source. ${description(names)}
 * Written by \`callrelay new source ${names.type}\`.
 * @packageDocumentation
 */
import {
  allOf, defineSource, parseJsonBody, verifyBasicAuth, verifySharedToken, withBasicAuth, withSharedToken, type IncomingWebhook, type VerifyResult,
} from '@callrelay/core';
import { ${camel}Config } from './config.js';
import { map${Name}Body } from './mapping.js';

export { ${camel}Config, type ${Name}Config } from './config.js';
export { map${Name}Body, EVENT_TYPES } from './mapping.js';

/**
 * The ${names.type} source: each POST to its route is verified (every configured method must pass,
 * else 401 and nothing stored), parsed as JSON and mapped to one canonical event.
 */
const ${names.identifier} = defineSource({
  type: ${tsLiteral(names.type)},
  description: ${tsLiteral(description(names))},
  config: ${camel}Config,
  // The plugin API versions this source is tested with (semver range; see docs/plugins.md of callrelay).
  pluginApi: '^${PLUGIN_API_VERSION}',
  example: ${tsLiteral(example(names))},
  // The credentials an instance verifies, for \`callrelay replay --sign\` and the sample of \`callrelay run\`.
  sign(request, config) {
    if (config.auth === 'none') return request;
    const withToken = config.auth.token ? withSharedToken(request, config.auth.token) : request;
    return config.auth.basic ? withBasicAuth(withToken, config.auth.basic) : withToken;
  },
  create(config, ctx) {
    const auth = config.auth;
    if (auth === 'none') ctx.logger.warn('source has auth: none; anyone who can reach the route can post calls');
    // Every credential is in the headers or the URL: checked before the body is read.
    const verifyHeaders = (request: IncomingWebhook): VerifyResult => {
      if (auth === 'none') return { ok: true };
      return allOf(
        auth.token ? verifySharedToken(request, { token: auth.token.value, header: auth.token.header, queryParam: auth.token.queryParam }) : { ok: true },
        auth.basic ? verifyBasicAuth(request, auth.basic) : { ok: true },
      );
    };
    return {
      methods: ['POST'],
      verifyHeaders,
      verify: verifyHeaders,
      parse: (request) => [map${Name}Body(parseJsonBody(request))],
    };
  },
});
export default ${names.identifier};
`;
  const test = `import { fileURLToPath } from 'node:url';
import { describe, it } from 'mocha';
import { expect } from 'chai';
import { checkConnectorPage, loadFixtures, outgoingFromFixture, runSourceContract, testContext, webhookFromOutgoing } from '@callrelay/testkit';
import ${names.identifier} from '../src/index.js';
import { docsPage, packageName } from '../scripts/docs.js';

/** The recorded calls of test/fixtures/ (read from the sources: dist/test/ is two levels below the package). */
const fixtures = loadFixtures(undefined, fileURLToPath(new URL('../../test/fixtures', import.meta.url)));
const TOKEN = 'test-token';

// The testkit's source contract: behind the real ingest server on loopback, every fixture accepted
// and mapped, 401 for bad credentials and 400 for bodies it cannot read (nothing stored), duplicates
// stored once, the same call outcomes when requests arrive shuffled and twice.
runSourceContract(${tsLiteral(names.type)}, {
  definition: ${names.identifier},
  config: ${names.identifier}.config.parse({ auth: { token: { value: TOKEN } } }),
  fixtures,
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-callrelay-token': TOKEN } }),
  unauthorized: [
    { name: 'no token', request: (_authorized, unsigned) => unsigned },
    { name: 'a wrong token', request: (authorized) => ({ ...authorized, headers: { ...authorized.headers, 'x-callrelay-token': 'wrong-token' } }) },
  ],
});

describe('${names.type}: sign (callrelay replay --sign)', () => {
  it('adds the credentials of each auth method so that the source verifies the request', async () => {
    const config = ${names.identifier}.config.parse({ auth: { token: { value: TOKEN }, basic: { username: 'platform', password: 'test-password' } } });
    const source = await ${names.identifier}.create(config, testContext({ id: ${tsLiteral(names.type)} }));
    const unsigned = outgoingFromFixture(fixtures[0]!.requests[0]!, 'http://127.0.0.1:8080/hooks/${names.type}');
    expect(await source.verify(webhookFromOutgoing(unsigned))).to.include({ ok: false });
    const signed = ${names.identifier}.sign!(unsigned, config, { nowMs: Date.now() });
    expect(await source.verify(webhookFromOutgoing(signed))).to.deep.equal({ ok: true });
  });
});

describe('docs/${names.type}.md', () => {
  it('is current: its config reference and example are what the definition gives (npm run docs rewrites them)', () => {
    expect(fixtures.length, 'test/fixtures holds the recorded calls').to.be.greaterThan(0);
    const problems = checkConnectorPage(docsPage, ${names.identifier}, { packageName });
    expect(problems, problems.join('\\n')).to.deep.equal([]);
  });
});
`;
  return [
    { path: 'src/config.ts', content: config },
    { path: 'src/mapping.ts', content: mapping },
    { path: 'src/index.ts', content: index },
    { path: 'test/contract.test.ts', content: test },
    ...fixtures(names),
  ];
}
