import { DEFAULT_BAD_REQUESTS, runSourceContract, type WebhookFixture } from '@callrelay/testkit';
import acme from './acme-source.js';

// Recorded webhooks of the platform: what Acme PBX sends for one scenario, request by request.
const fixtures: WebhookFixture[] = [{
  name: 'acme/missed',
  platform: 'acme-pbx',
  description: 'A call rings and the caller hangs up before anyone answers',
  requests: [
    {
      step: 'The phone rings',
      contentType: 'application/json',
      body: '{"callId":"c1","event":"ring","from":"+12125551212","to":"+14155550100","at":"2026-01-05T10:00:00Z"}',
      expectTypes: ['ringing'],
    },
    {
      step: 'The caller hangs up',
      contentType: 'application/json',
      body: '{"callId":"c1","event":"hangup","at":"2026-01-05T10:00:20Z"}',
      expectTypes: ['ended'],
    },
  ],
  expectOutcomes: { missed: 1, completed: 0 },
}];

runSourceContract('acme-pbx', {
  definition: acme,
  // As a user writes it under sources.<id> in callrelay.yaml; parsed by acme.config, defaults applied.
  config: { token: { value: 's3cret', header: 'x-acme-token' } },
  fixtures,
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-acme-token': 's3cret' } }),
  unauthorized: [
    { name: 'no token', request: (_ok, unsigned) => unsigned },
    { name: 'wrong token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-acme-token': 'guess' } }) },
    { name: 'token in the default header instead of x-acme-token', request: (_ok, unsigned) => ({ ...unsigned, headers: { ...unsigned.headers, 'x-callrelay-token': 's3cret' } }) },
  ],
  badRequests: [
    ...DEFAULT_BAD_REQUESTS,
    { name: 'JSON that is not an Acme event', contentType: 'application/json', body: '{"hello":"world"}' },
  ],
});
