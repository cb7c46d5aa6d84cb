// Sinks with the mistakes a new author makes, each run through the sink contract; run by
// ../contract-failures.test.ts in a child mocha. Not a `.test.ts`: the suite must not run it itself.
import { defineSink, outcomeForHttpStatus, z, type DeliveryOutcome } from '@callrelay/core';
import { receiverSinkHarness, runSinkContract, testContext } from '../../src/index.js';

const postSink = (type: string, outcome: (res: Response) => DeliveryOutcome) => defineSink({
  type,
  description: 'A sink with a mistake, for the contract failure tests.',
  config: z.object({ url: z.url() }),
  create: (config, ctx) => ({
    async deliver(event, { signal }) {
      return outcome(await ctx.http(config.url, { method: 'POST', signal, body: JSON.stringify(event) }));
    },
  }),
});

// Dead-letters every failure, retryable ones included: the retryable case must fail.
const strict = postSink('strict', (res) => (res.ok ? { status: 'delivered' } : { status: 'failed', reason: `HTTP ${res.status}` }));
runSinkContract('fails every error permanently', receiverSinkHarness({
  create: (url) => strict.create(strict.config.parse({ url }), testContext()),
}));

// Ignores Retry-After: the retry-after case must fail.
const hasty = postSink('hasty', (res) => outcomeForHttpStatus(res.status));
runSinkContract('ignores Retry-After', receiverSinkHarness({
  create: (url) => hasty.create(hasty.config.parse({ url }), testContext()),
}));
