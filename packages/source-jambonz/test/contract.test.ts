import { loadFixtures, runSourceContract } from '@callrelay/testkit';
import jambonz, { signJambonzPayload } from '@callrelay/source-jambonz';

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

runSourceContract('jambonz (Basic auth)', {
  definition: jambonz,
  config: { auth: { basic: { username: 'jambonz', password: 's3cret' } } },
  fixtures: loadFixtures('jambonz'),
  authorize: (request) => ({ ...request, headers: { ...request.headers, authorization: basic('jambonz', 's3cret') } }),
  unauthorized: [
    { name: 'no Authorization header', request: (_ok, unsigned) => unsigned },
    { name: 'wrong password', request: (ok) => ({ ...ok, headers: { ...ok.headers, authorization: basic('jambonz', 'guess') } }) },
    { name: 'wrong user', request: (ok) => ({ ...ok, headers: { ...ok.headers, authorization: basic('admin', 's3cret') } }) },
    { name: 'Bearer instead of Basic', request: (ok) => ({ ...ok, headers: { ...ok.headers, authorization: 'Bearer s3cret' } }) },
  ],
});

// jambonz signs a JSON body; a GET with the parameters in its query string has none to sign, and
// a source with a webhook secret refuses it (get.test.ts). Those fixtures run under Basic auth only.
runSourceContract('jambonz (Jambonz-Signature; GET query-string fixtures left out: a query string is not signed)', {
  definition: jambonz,
  config: { auth: { webhookSecret: ['wh_old', 'wh_new'], toleranceSeconds: 300 } },
  fixtures: loadFixtures('jambonz').filter((fixture) => fixture.requests.every((request) => request.body !== undefined)),
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'jambonz-signature': signJambonzPayload(request.body ?? '', 'wh_new') } }),
  unauthorized: [
    { name: 'no signature', request: (_ok, unsigned) => unsigned },
    { name: 'signed with an unknown secret', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'jambonz-signature': signJambonzPayload(ok.body ?? '', 'wh_other') } }) },
    { name: 'stale timestamp (10 minutes old)', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'jambonz-signature': signJambonzPayload(ok.body ?? '', 'wh_new', Math.floor(Date.now() / 1000) - 600) } }) },
    { name: 'body changed after signing', request: (ok) => ({ ...ok, body: `${ok.body ?? ''} ` }) },
  ],
});
