import { describe, it } from 'mocha';
import { expect } from 'chai';
import jambonz from '@callrelay/source-jambonz';

describe('jambonz config', () => {
  it('allowIps "10.0.0.300/99" is refused when the config is loaded, with its path (it passed validate, then failed at run)', () => {
    const auth = { ...{ basic: { username: 'u', password: 'p' } }, allowIps: ['10.0.0.0/8', '10.0.0.300/99'] };
    const result = jambonz.config.safeParse({ auth });
    expect(result.success).to.equal(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path).to.deep.equal(['auth', 'allowIps', 1]);
    expect(issue.message).to.match(/an IP address or CIDR range/);
  });

  it('refuses an empty allow-list and a bad range, accepts addresses and IPv4/IPv6 ranges', () => {
    for (const allowIps of [[], ['10.0.0.0/33'], ['2001:db8::/129'], ['pbx.example.com']]) {
      expect(jambonz.config.safeParse({ auth: { ...{ basic: { username: 'u', password: 'p' } }, allowIps } }).success, JSON.stringify(allowIps)).to.equal(false);
    }
    expect(jambonz.config.safeParse({ auth: { ...{ basic: { username: 'u', password: 'p' } }, allowIps: ['203.0.113.10', '10.0.0.0/8', '2001:db8::/32'] } }).success).to.equal(true);
  });
});
