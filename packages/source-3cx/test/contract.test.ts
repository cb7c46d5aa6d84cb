import { loadFixtures, runSourceContract } from '@callrelay/testkit';
import threeCx from '@callrelay/source-3cx';

const withQuery = (path: string, param: string) => `${path}${path.includes('?') ? '&' : '?'}${param}`;

runSourceContract('3cx (token in a header, two tokens during rotation)', {
  definition: threeCx,
  config: { auth: { token: { value: ['old-token', 'new-token'] } } },
  fixtures: loadFixtures('3cx'),
  defaultCountry: 'TR',
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'x-callrelay-token': 'new-token' } }),
  unauthorized: [
    { name: 'no token', request: (_ok, unsigned) => unsigned },
    { name: 'wrong token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-callrelay-token': 'guess' } }) },
    { name: 'token in another header', request: (_ok, unsigned) => ({ ...unsigned, headers: { ...unsigned.headers, 'x-token': 'new-token' } }) },
    { name: 'empty token', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'x-callrelay-token': '' } }) },
  ],
  badRequests: [
    { name: 'a JSON body that is cut off', contentType: 'application/json', body: '{"call": ' },
    { name: 'an empty body without query parameters', contentType: 'application/json', body: '' },
    { name: 'plain text', contentType: 'text/plain', body: 'hello 3CX' },
    { name: 'a JSON array', contentType: 'application/json', body: '[{"Event":"ringing","Id":"230307114903_10-0"}]' },
    { name: 'a form without event or id', contentType: 'application/x-www-form-urlencoded', body: 'callerid=420774852629&user=102' },
  ],
});

runSourceContract('3cx (token in the URL as the add-on sends it, plus an IP allow-list)', {
  definition: threeCx,
  config: { auth: { token: { value: 's3cret', queryParam: 'key' }, allowIps: ['127.0.0.0/8', '::1'] } },
  fixtures: loadFixtures('3cx').filter((f) => f.name.startsWith('3cx/form-')),
  defaultCountry: 'CZ',
  authorize: (request) => ({ ...request, path: withQuery(request.path, 'key=s3cret') }),
  unauthorized: [
    { name: 'no key in the URL', request: (_ok, unsigned) => unsigned },
    { name: 'wrong key in the URL', request: (_ok, unsigned) => ({ ...unsigned, path: withQuery(unsigned.path, 'key=guess') }) },
    { name: 'key under the default parameter name', request: (_ok, unsigned) => ({ ...unsigned, path: withQuery(unsigned.path, 'token=s3cret') }) },
  ],
});
