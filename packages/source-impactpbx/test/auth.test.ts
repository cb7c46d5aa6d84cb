import { describe, it } from 'mocha';
import { expect } from 'chai';
import impactpbx from '@callrelay/source-impactpbx';
import { jsonHook, sourceFor } from './helpers.js';

const BODY = { ref: 'r1', action: 'ring' };

describe('impactpbx auth', () => {
  it('accepts the token in the query string, the configured header or as a Bearer token; any listed token (rotation)', async () => {
    const source = await sourceFor({ auth: { token: { value: ['old', 'new'], header: 'x-impact-token', queryParam: 'key' } } });
    expect(await source.verify(jsonHook(BODY, { query: { key: 'old' } }))).to.deep.equal({ ok: true });
    expect(await source.verify(jsonHook(BODY, { headers: { 'X-Impact-Token': 'new' } }))).to.deep.equal({ ok: true });
    expect(await source.verify(jsonHook(BODY, { headers: { authorization: 'Bearer new' } }))).to.deep.equal({ ok: true });
  });

  it('fails closed: missing token, wrong token, token under the default name when another is configured', async () => {
    const source = await sourceFor({ auth: { token: { value: 'tok', queryParam: 'key' } } });
    const missing = await source.verify(jsonHook(BODY));
    expect(missing.ok).to.equal(false);
    expect(missing.ok === false && missing.reason).to.match(/missing token/);
    expect((await source.verify(jsonHook(BODY, { query: { key: 'tok2' } }))).ok).to.equal(false);
    expect((await source.verify(jsonHook(BODY, { query: { token: 'tok' } }))).ok).to.equal(false);
  });

  it('checks the IP allow-list, alone or with a token (both must pass)', async () => {
    const ipOnly = await sourceFor({ auth: { allowIps: ['198.51.100.0/24', '2001:db8::/32'] } });
    expect(await ipOnly.verify(jsonHook(BODY, { remoteAddress: '198.51.100.20' }))).to.deep.equal({ ok: true });
    expect(await ipOnly.verify(jsonHook(BODY, { remoteAddress: '::ffff:198.51.100.20' }))).to.deep.equal({ ok: true });
    expect(await ipOnly.verify(jsonHook(BODY, { remoteAddress: '2001:db8::5' }))).to.deep.equal({ ok: true });
    expect((await ipOnly.verify(jsonHook(BODY, { remoteAddress: '203.0.113.1' }))).ok).to.equal(false);
    const both = await sourceFor({ auth: { allowIps: ['198.51.100.0/24'], token: { value: 'tok' } } });
    expect((await both.verify(jsonHook(BODY, { remoteAddress: '198.51.100.20' }))).ok, 'allowed address, no token').to.equal(false);
    expect((await both.verify(jsonHook(BODY, { remoteAddress: '203.0.113.1', query: { token: 'tok' } }))).ok, 'token, foreign address').to.equal(false);
    expect(await both.verify(jsonHook(BODY, { remoteAddress: '198.51.100.20', query: { token: 'tok' } }))).to.deep.equal({ ok: true });
  });

  it('config: auth is required, an empty auth object is refused, none is explicit, the example validates', () => {
    expect(impactpbx.config.safeParse({}).success).to.equal(false);
    expect(impactpbx.config.safeParse({ auth: {} }).success).to.equal(false);
    expect(impactpbx.config.safeParse({ auth: { token: { value: '' } } }).success).to.equal(false);
    expect(impactpbx.config.safeParse({ auth: { token: { value: 't' }, basic: {} } }).success, 'unknown keys are errors').to.equal(false);
    expect(impactpbx.config.safeParse({ auth: 'none' }).success).to.equal(true);
    expect(impactpbx.config.safeParse(impactpbx.example).success).to.equal(true);
  });
});
