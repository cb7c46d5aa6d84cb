import { loadFixtures, runSourceContract, type ContractRequest } from '@callrelay/testkit';
import signalwire from '@callrelay/source-signalwire';
import { documentedSignature, hexSignature } from './signer.js';

/** SignalWire calls this URL; a proxy forwards to callrelay's loopback port, so the server sees another. */
const PUBLIC_URL = 'https://hooks.example.com/telephony/signalwire';
const KEY_OLD = 'PSKold0000000000000000000000000000';
const KEY_NEW = 'PSKnew1111111111111111111111111111';

/** Signs a request the way SignalWire would, over the public URL plus the request's query string. */
function signed(request: ContractRequest, key: string, url = PUBLIC_URL): ContractRequest {
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?')) : '';
  const fullUrl = url + query;
  const body = request.body ?? '';
  const isJson = request.headers['content-type'] === 'application/json';
  const signature = isJson ? hexSignature(key, fullUrl, body) : documentedSignature(key, fullUrl, body);
  return { ...request, headers: { ...request.headers, 'x-signalwire-signature': signature } };
}

runSourceContract('signalwire (signing key, behind a proxy, key rotation)', {
  definition: signalwire,
  config: { auth: { signingKey: [KEY_OLD, KEY_NEW] }, publicUrl: PUBLIC_URL },
  fixtures: loadFixtures('signalwire'),
  defaultCountry: 'US',
  authorize: (request) => signed(request, KEY_NEW),
  unauthorized: [
    { name: 'no signature', request: (_ok, unsigned) => unsigned },
    { name: 'signed with a key that is not configured', request: (_ok, unsigned) => signed(unsigned, 'PSKother') },
    { name: 'signed over the URL the server sees instead of the public URL', request: (_ok, unsigned) => signed(unsigned, KEY_NEW, 'http://127.0.0.1/hooks/contract') },
    { name: 'a parameter changed after signing', request: (ok) => ({ ...ok, body: ok.body!.replace('CallStatus=initiated', 'CallStatus=completed') }) },
    { name: 'a parameter added after signing', request: (ok) => ({ ...ok, body: `${ok.body}&CallDuration=1` }) },
    { name: 'the signature sent as X-Twilio-Signature but made with a wrong key', request: (_ok, unsigned) => {
      const wrong = signed(unsigned, 'PSKother');
      return { ...unsigned, headers: { ...unsigned.headers, 'x-twilio-signature': wrong.headers['x-signalwire-signature']! } };
    } },
  ],
});

runSourceContract('signalwire (token in the callback URL and IP allow-list)', {
  definition: signalwire,
  config: { auth: { token: { value: ['tok-old', 'tok-new'] }, allowIps: ['127.0.0.0/8', '::1'] } },
  fixtures: loadFixtures('signalwire').filter((f) => /get-outbound|json-outbound-api-busy|form-inbound-no-answer/.test(f.name)),
  defaultCountry: 'US',
  authorize: (request) => ({ ...request, path: `${request.path}${request.path.includes('?') ? '&' : '?'}token=tok-new` }),
  unauthorized: [
    { name: 'no token', request: (_ok, unsigned) => unsigned },
    { name: 'wrong token', request: (_ok, unsigned) => ({ ...unsigned, path: `${unsigned.path}${unsigned.path.includes('?') ? '&' : '?'}token=guess` }) },
  ],
});
