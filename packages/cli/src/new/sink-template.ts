import { defineSink, PLUGIN_API_VERSION, secretSchema, z, type SinkDefinition } from '@callrelay/core';
import type { ScaffoldNames } from './names.js';
import type { GeneratedFile } from '../init/project.js';
import { tsLiteral } from './ts-literal.js';

/**
 * The config schema of a new sink, as source text. The same text is written into the package's
 * `src/config.ts` and evaluated here (with the same core building blocks in scope) to generate
 * the first `docs/<name>.md`: one schema, so the page cannot disagree with the code it documents.
 * Plain JavaScript on purpose (no TypeScript syntax), so it can be evaluated.
 */
const CONFIG_SOURCE = `z.object({
  url: z.url({ protocol: /^https?$/ }).meta({
    description: 'Where to POST each call event, as JSON (http or https).',
    examples: ['https://hooks.example.com/calls'],
  }),
  token: secretSchema.optional().meta({
    description: 'Sent as \`Authorization: Bearer <token>\` when set (redacted from logs).',
    examples: ['\${ACME_TOKEN}'],
  }),
})`;

const configSource = (names: ScaffoldNames) => CONFIG_SOURCE.replace('ACME', names.envPrefix);

function description(names: ScaffoldNames): string {
  return `Posts each call event as JSON to a URL (${names.type}).`;
}

function example(names: ScaffoldNames): Record<string, unknown> {
  return { type: names.type, url: 'https://hooks.example.com/calls', token: `\${${names.envPrefix}_TOKEN}` };
}

/** The sink as the generated package defines it, for the page written at scaffold time (never created). */
export function sinkDefinitionForDocs(names: ScaffoldNames): SinkDefinition {
  // Evaluates our own constant above (no user input reaches it but the env prefix, [A-Z0-9_]).
  const config = new Function('z', 'secretSchema', `return (${configSource(names)});`)(z, secretSchema) as z.ZodObject<z.ZodRawShape>;
  return defineSink({
    type: names.type, description: description(names), config, example: example(names),
    create: () => { throw new Error('only for the docs page'); },
  });
}

const pascal = (names: ScaffoldNames) => `${names.identifier[0]!.toUpperCase()}${names.identifier.slice(1, -'Sink'.length)}`;

/** `src/config.ts`, `src/body.ts`, `src/index.ts` and `test/contract.test.ts` of a new sink. */
export function sinkFiles(names: ScaffoldNames): GeneratedFile[] {
  const Name = pascal(names);
  const camel = `${Name[0]!.toLowerCase()}${Name.slice(1)}`;
  const config = `import { secretSchema, z } from '@callrelay/core';

/**
 * The sink's own config keys (callrelay adds \`type\` and \`delivery\`): validation, TypeScript type,
 * JSON Schema and the table of docs/${names.type}.md come from this one schema. Give every key a
 * description; mark credentials secret (\`secretSchema\`, or \`secret(...)\` around your own schema).
 */
export const ${camel}Config = ${configSource(names)};

/** The config as the sink receives it: validated, defaults applied. */
export type ${Name}Config = z.output<typeof ${camel}Config>;
`;
  const body = `import type { CallEvent } from '@callrelay/core';
import type { ${Name}Config } from './config.js';

/**
 * The JSON body posted for one call event: what the destination needs of it. Every value comes
 * from a webhook, so from whoever could reach the source: JSON.stringify escapes it for JSON; a
 * destination with another syntax (Markdown, HTML, SQL) needs its own escaping.
 */
export function ${camel}Body(event: CallEvent, _config: ${Name}Config): Record<string, unknown> {
  return {
    id: event.id,
    type: event.type,
    direction: event.direction,
    from: event.from?.e164 ?? event.from?.raw,
    to: event.to?.e164 ?? event.to?.raw,
    agent: event.agent?.extension,
    occurredAt: event.occurredAt,
  };
}
`;
  const index = `/**
 * ${names.packageName}: a callrelay sink that ${description(names).replace(/^Posts/, 'posts')}
 * Written by \`callrelay new sink ${names.type}\`.
 * @packageDocumentation
 */
import { defineSink, describeRequestError, outcomeForHttpStatus, redactUrl, retryableFailure } from '@callrelay/core';
import { ${camel}Body } from './body.js';
import { ${camel}Config } from './config.js';

export { ${camel}Config, type ${Name}Config } from './config.js';
export { ${camel}Body } from './body.js';

/**
 * The ${names.type} sink. Each delivery is one POST; the answer's status decides the outcome
 * (\`outcomeForHttpStatus\`: 2xx delivered, 408/429/5xx retried, honouring \`Retry-After\`, other
 * 4xx dead-lettered). Delivery is at least once: the \`idempotency-key\` header carries the
 * delivery id, the same on every retry, for a destination that deduplicates.
 */
const ${names.identifier} = defineSink({
  type: ${tsLiteral(names.type)},
  description: ${tsLiteral(description(names))},
  config: ${camel}Config,
  // The plugin API versions this sink is tested with (semver range; see docs/plugins.md of callrelay).
  pluginApi: '^${PLUGIN_API_VERSION}',
  example: ${tsLiteral(example(names))},
  create(config, ctx) {
    return {
      async deliver(event, { signal, deliveryId }) {
        let response: Response;
        try {
          response = await ctx.http(config.url, {
            method: 'POST',
            // Aborted when the attempt times out or callrelay shuts down: the delivery is retried.
            signal,
            headers: {
              'content-type': 'application/json',
              'idempotency-key': deliveryId,
              ...(config.token ? { authorization: \`Bearer \${config.token}\` } : {}),
            },
            body: JSON.stringify(${camel}Body(event, config)),
          });
        } catch (err) {
          throw retryableFailure(\`posting to \${redactUrl(config.url)}: \${describeRequestError(err, signal)}\`, { cause: err });
        }
        // Read the answer to its end so that the connection is reused.
        await response.arrayBuffer().catch(() => undefined);
        return outcomeForHttpStatus(response.status, response.headers.get('retry-after'), redactUrl(config.url));
      },
    };
  },
});
export default ${names.identifier};
`;
  const test = `import { describe, it, after } from 'mocha';
import { expect } from 'chai';
import { checkConnectorPage, receiverSinkHarness, runSinkContract, sampleEvent, testContext, WebhookReceiver } from '@callrelay/testkit';
import ${names.identifier} from '../src/index.js';
import { docsPage, packageName } from '../scripts/docs.js';

/** A new sink posting to \`url\`: in these tests, a loopback stand-in for the destination that answers as told and records every request. */
const create = (url: string) => ${names.identifier}.create(
  ${names.identifier}.config.parse({ url: \`\${url}/calls\`, token: 'test-token' }),
  testContext({ id: ${tsLiteral(names.type)} }),
);

// The testkit's sink contract: delivered once, retries, permanent failures, Retry-After, abort, close.
runSinkContract(${tsLiteral(names.type)}, receiverSinkHarness({ create }));

describe('${names.type}: what the destination receives', () => {
  const destination = new WebhookReceiver();
  after(() => destination.stop());

  it('posts the event as JSON with the token and the delivery id as idempotency key', async () => {
    const sink = await create(await destination.start());
    const event = sampleEvent();
    await sink.deliver(event, { deliveryId: 'delivery-1', attempt: 1, pipeline: 'test', signal: new AbortController().signal });
    expect(destination.requests).to.have.length(1);
    const request = destination.requests[0]!;
    expect(request.method).to.equal('POST');
    expect(request.url).to.equal('/calls');
    expect(request.headers['authorization']).to.equal('Bearer test-token');
    expect(request.headers['idempotency-key']).to.equal('delivery-1');
    expect(JSON.parse(request.body)).to.deep.include({ id: event.id, type: 'missed', from: '+12125551212' });
    await sink.close?.();
  });
});

describe('docs/${names.type}.md', () => {
  it('is current: its config reference and example are what the definition gives (npm run docs rewrites them)', () => {
    const problems = checkConnectorPage(docsPage, ${names.identifier}, { packageName });
    expect(problems, problems.join('\\n')).to.deep.equal([]);
  });
});
`;
  return [
    { path: 'src/config.ts', content: config },
    { path: 'src/body.ts', content: body },
    { path: 'src/index.ts', content: index },
    { path: 'test/contract.test.ts', content: test },
  ];
}
