import { runSourceContract, type WebhookFixture } from '@callrelay/testkit';
import acme from './acme-source.js';

const fixtures: WebhookFixture[] = [{
  name: 'acme/missed',
  platform: 'acme-pbx',
  description: 'A call rings and the caller hangs up',
  requests: [
    { contentType: 'application/json', body: '{"callId":"c1","event":"ring","from":"+12125551212","to":"+14155550100","at":"2026-01-05T10:00:00Z"}', expectTypes: ['ringing'] },
    { contentType: 'application/json', body: '{"callId":"c1","event":"hangup","at":"2026-01-05T10:00:20Z"}', expectTypes: ['ended'] },
  ],
  expectOutcomes: { missed: 1, completed: 0 },
}];

runSourceContract('acme-pbx', {
  definition: acme,
  config: { token: { value: 's3cret', header: 'x-acme-token' } },
  fixtures,
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-acme-token': 's3cret' } }),
  unauthorized: [
    { name: 'no token', request: (_ok, unsigned) => unsigned },
    { name: 'wrong token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-acme-token': 'guess' } }) },
  ],
});
