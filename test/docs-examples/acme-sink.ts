import { defineSink, describeRequestError, outcomeForHttpStatus, secret, z } from '@callrelay/core';

export default defineSink({
  type: 'acme-post',
  description: 'POSTs each call event as JSON to an Acme CRM endpoint.',
  config: z.object({
    url: secret(z.url()).meta({ description: 'The endpoint to POST to (its query string may carry a key).' }),
  }),
  create(config, ctx) {
    return {
      async deliver(event, { signal, deliveryId }) {
        let res: Response;
        try {
          res = await ctx.http(config.url, {
            method: 'POST', signal,
            headers: { 'content-type': 'application/json', 'idempotency-key': deliveryId },
            body: JSON.stringify(event),
          });
        } catch (err) {
          // No answer (refused, reset, aborted): the engine retries.
          return { status: 'retry', reason: `posting to Acme: ${describeRequestError(err, signal)}` };
        }
        return outcomeForHttpStatus(res.status, res.headers.get('retry-after'), 'Acme');
      },
    };
  },
});
