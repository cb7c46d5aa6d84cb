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
    return {
      verify: (request) => verifySharedToken(request, { token: config.token.value, header: config.token.header }),
      parse(request): CallEventDraft[] {
        const body = acmeEvent.safeParse(parseJsonBody(request));
        if (!body.success) throw badRequest(`not an Acme webhook: ${z.prettifyError(body.error)}`);
        const { callId, event, from, to, at } = body.data;
        return [{
          type: TYPES[event],
          callId,
          direction: 'inbound',
          from: from ? { raw: from } : undefined,
          to: to ? { raw: to } : undefined,
          occurredAt: at,
          dedupeKey: `${callId}:${event}`,
          raw: body.data,
        }];
      },
    };
  },
});
