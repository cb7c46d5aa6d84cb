// The example of docs/plugins.md, as an author outside the repository writes it.
import { defineSink, outcomeForHttpStatus, secret, z } from '@callrelay/core';

export default defineSink({
  type: 'teams',
  description: 'Posts call alerts to a Microsoft Teams incoming webhook.',
  config: z.object({
    webhookUrl: secret(z.url()).meta({ description: 'The Teams incoming webhook URL.' }),
  }),
  create(config, ctx) {
    return {
      async deliver(event, { signal, deliveryId }) {
        const res = await ctx.http(config.webhookUrl, {
          method: 'POST', signal,
          headers: { 'content-type': 'application/json', 'idempotency-key': deliveryId },
          body: JSON.stringify({ text: `${event.type} call from ${event.from?.e164 ?? event.from?.raw}` }),
        });
        return outcomeForHttpStatus(res.status, res.headers.get('retry-after'), 'Teams');
      },
    };
  },
});
