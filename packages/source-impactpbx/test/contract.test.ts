import { loadFixtures, runSourceContract, type ContractRequest } from '@callrelay/testkit';
import impactpbx from '@callrelay/source-impactpbx';

const withQuery = (request: ContractRequest, query: string): ContractRequest =>
  ({ ...request, path: `${request.path}${request.path.includes('?') ? '&' : '?'}${query}` });

runSourceContract('impactpbx (token in the webhook URL, rotation)', {
  definition: impactpbx,
  config: { auth: { token: { value: ['ipbx-old', 'ipbx-new'] } } },
  fixtures: loadFixtures('impactpbx'),
  defaultCountry: 'CY',
  authorize: (request) => withQuery(request, 'token=ipbx-new'),
  unauthorized: [
    { name: 'no token', request: (_ok, unsigned) => unsigned },
    { name: 'wrong token', request: (_ok, unsigned) => withQuery(unsigned, 'token=guess') },
    { name: 'token under another query parameter', request: (_ok, unsigned) => withQuery(unsigned, 'key=ipbx-new') },
  ],
  badRequests: [
    { name: 'a truncated JSON document (repairing it would invent data)', contentType: 'application/json', body: '{"ref":"460a36b6","action":"hang' },
    { name: 'a JSON array', contentType: 'application/json', body: '[{"ref":"a","action":"ring"}]' },
    { name: 'an empty body', contentType: 'application/json', body: '' },
    { name: 'a JSON object that is not an ImpactPBX webhook', contentType: 'application/json', body: '{"hello":"world"}' },
  ],
});

runSourceContract('impactpbx (token header and IP allow-list)', {
  definition: impactpbx,
  config: { auth: { token: { value: 'hdr-secret', header: 'x-impact-token' }, allowIps: ['127.0.0.1/32', '::1'] } },
  fixtures: loadFixtures('impactpbx'),
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-impact-token': 'hdr-secret' } }),
  unauthorized: [
    { name: 'no token header', request: (_ok, unsigned) => unsigned },
    { name: 'token in the default header instead of the configured one', request: (_ok, unsigned) => ({ ...unsigned, headers: { ...unsigned.headers, 'x-callrelay-token': 'wrong' } }) },
  ],
});
