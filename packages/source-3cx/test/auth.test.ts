import { describe, it } from 'mocha';
import { expect } from 'chai';
import { makeWebhook } from '@callrelay/testkit';
import threeCx, { threeCxVerifier } from '@callrelay/source-3cx';

const verifier = (auth: unknown) => threeCxVerifier(threeCx.config.parse({ auth }).auth);
const request = (input: Parameters<typeof makeWebhook>[0] = {}) => makeWebhook({ body: 'event=ringing&id=230102104542_15-0', contentType: 'application/x-www-form-urlencoded', ...input });

describe('3cx auth', () => {
  it('accepts the token in the URL (?token=), in the configured header, or as a Bearer token', () => {
    const verify = verifier({ token: { value: 's3cret' } });
    expect(verify(request({ query: { token: 's3cret' } }))).to.deep.equal({ ok: true });
    expect(verify(request({ headers: { 'X-Callrelay-Token': 's3cret' } }))).to.deep.equal({ ok: true });
    expect(verify(request({ headers: { authorization: 'Bearer s3cret' } }))).to.deep.equal({ ok: true });
  });

  it('refuses a missing or wrong token, with the reason', () => {
    const verify = verifier({ token: { value: 's3cret' } });
    expect(verify(request())).to.deep.include({ ok: false });
    expect((verify(request()) as { reason: string }).reason).to.match(/missing token/);
    expect(verify(request({ query: { token: 'guess' } }))).to.deep.equal({ ok: false, reason: 'wrong token' });
    expect(verify(request({ query: { token: 's3cret ' } })), 'no trimming of secrets').to.deep.include({ ok: false });
  });

  it('uses the configured header and query parameter names', () => {
    const verify = verifier({ token: { value: 's3cret', header: 'x-3cx-key', queryParam: 'key' } });
    expect(verify(request({ query: { key: 's3cret' } })).ok).to.equal(true);
    expect(verify(request({ headers: { 'x-3cx-key': 's3cret' } })).ok).to.equal(true);
    expect(verify(request({ query: { token: 's3cret' } })).ok).to.equal(false);
    expect(verify(request({ headers: { 'x-callrelay-token': 's3cret' } })).ok).to.equal(false);
  });

  it('accepts any of several tokens during rotation', () => {
    const verify = verifier({ token: { value: ['new', 'old'] } });
    expect(verify(request({ query: { token: 'new' } })).ok).to.equal(true);
    expect(verify(request({ query: { token: 'old' } })).ok).to.equal(true);
    expect(verify(request({ query: { token: 'older' } })).ok).to.equal(false);
  });

  it('refuses an address outside the allow-list, even with the right token', () => {
    const verify = verifier({ token: { value: 's3cret' }, allowIps: ['203.0.113.0/24'] });
    expect(verify(request({ query: { token: 's3cret' }, remoteAddress: '203.0.113.10' })).ok).to.equal(true);
    expect(verify(request({ query: { token: 's3cret' }, remoteAddress: '::ffff:203.0.113.10' })).ok, 'IPv4-mapped IPv6').to.equal(true);
    const refused = verify(request({ query: { token: 's3cret' }, remoteAddress: '198.51.100.7' }));
    expect(refused).to.deep.equal({ ok: false, reason: 'address 198.51.100.7 is not in the allow-list' });
    expect(verify(request({ remoteAddress: '203.0.113.10' })).ok, 'allowed address without the token').to.equal(false);
  });

  it('accepts an allow-list alone, and everything with auth: none', () => {
    expect(verifier({ allowIps: ['10.0.0.0/8'] })(request({ remoteAddress: '10.1.2.3' })).ok).to.equal(true);
    expect(verifier({ allowIps: ['10.0.0.0/8'] })(request({ remoteAddress: '11.1.2.3' })).ok).to.equal(false);
    expect(verifier('none')(request()).ok).to.equal(true);
  });

  it('fails closed for an auth object without any method (if one got past the schema)', () => {
    expect(threeCxVerifier({} as never)(request({ query: { token: 'x' } }))).to.deep.equal({ ok: false, reason: 'no verification method configured' });
  });

  it('refuses configs without a method, with an empty token, a bad address or an unknown time zone', () => {
    const invalid = [
      {},
      { auth: {} },
      { auth: { token: {} } },
      { auth: { token: { value: '' } } },
      { auth: { token: { value: [] } } },
      { auth: { allowIps: ['300.1.1.1'] } },
      { auth: { allowIps: ['10.0.0.0/33'] } },
      { auth: { allowIps: [] } },
      { auth: { tokn: { value: 'x' } } },
      { auth: 'none', timeZone: 'Mars/Olympus' },
      { auth: 'open' },
    ];
    for (const config of invalid) expect(threeCx.config.safeParse(config).success, JSON.stringify(config)).to.equal(false);
    const valid = threeCx.config.parse({ auth: { token: { value: 'x' }, allowIps: ['10.0.0.0/8', '2001:db8::/32', '203.0.113.10'] }, timeZone: 'Europe/Prague' });
    expect(valid.auth !== 'none' && valid.auth.token).to.deep.equal({ value: 'x', header: 'x-callrelay-token', queryParam: 'token' });
    expect(threeCx.config.parse(threeCx.example).auth).to.not.equal('none');
  });
});
