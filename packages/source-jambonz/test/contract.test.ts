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

runSourceContract('jambonz (Jambonz-Signature)', {
  definition: jambonz,
  config: { auth: { webhookSecret: ['wh_old', 'wh_new'], toleranceSeconds: 300 } },
  fixtures: loadFixtures('jambonz').slice(0, 3),
  authorize: (request) => ({ ...request, headers: { ...request.headers, 'jambonz-signature': signJambonzPayload(request.body ?? '', 'wh_new') } }),
  unauthorized: [
    { name: 'no signature', request: (_ok, unsigned) => unsigned },
    { name: 'signed with an unknown secret', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'jambonz-signature': signJambonzPayload(ok.body ?? '', 'wh_other') } }) },
    { name: 'stale timestamp (10 minutes old)', request: (ok) => ({ ...ok, headers: { ...ok.headers, 'jambonz-signature': signJambonzPayload(ok.body ?? '', 'wh_new', Math.floor(Date.now() / 1000) - 600) } }) },
    { name: 'body changed after signing', request: (ok) => ({ ...ok, body: `${ok.body ?? ''} ` }) },
  ],
});
