import { badRequest, defineSource, parseJsonBody, sharedTokenSchema, verifySharedToken, z, type CallEventDraft } from '@callrelay/core';

/** One Acme PBX webhook: `{ "callId": "...", "event": "ring" | "answer" | "hangup", "from": "...", "to": "...", "at": "..." }`. */
const acmeEvent = z.object({
  callId: z.string().min(1),
  event: z.enum(['ring', 'answer', 'hangup']),
  from: z.string().optional(),
  to: z.string().optional(),
  at: z.iso.datetime().optional(),
});

const TYPES = { ring: 'ringing', answer: 'answered', hangup: 'ended' } as const;

export default defineSource({
  type: 'acme-pbx',
  description: 'Acme PBX call webhooks (JSON, a shared token in a header).',
  config: z.object({
    token: sharedTokenSchema.meta({ description: 'The token Acme sends in its X-Acme-Token header.' }),
  }),
  create(config) {
    const { value, header, queryParam } = config.token;
    return {
      // Fail closed: a request without the configured token is refused (401) before parse runs.
      verify: (request) => verifySharedToken(request, { token: value, header, queryParam }),
      parse(request): CallEventDraft[] {
        // parseJsonBody throws badRequest (400) for a body that is not JSON; so does a body that is not an Acme event.
        const body = acmeEvent.safeParse(parseJsonBody(request));
        if (!body.success) throw badRequest(`not an Acme webhook: ${z.prettifyError(body.error)}`);
        const { callId, event, from, to, at } = body.data;
        return [{
          type: TYPES[event],
          callId,
          direction: 'inbound', // Acme reports inbound calls only; an outbound call is never missed
          from: from ? { raw: from } : undefined,
          to: to ? { raw: to } : undefined,
          occurredAt: at, // the platform's time: the call tracker orders a call's events by it
          dedupeKey: `${callId}:${event}`, // Acme re-sends a webhook it got no 2xx for: store it once
          raw: body.data,
        }];
      },
    };
  },
});
