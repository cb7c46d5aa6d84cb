import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures, outgoingFromFixture, testContext, webhookFromOutgoing } from '@callrelay/testkit';
import source from '@callrelay/source-jambonz';

/** `sign` against this source's own `verify`: every recorded request of the platform, signed, passes; unsigned, fails. */
describe('jambonz: sign round trip', () => {
  const route = 'http://127.0.0.1:8080/hooks/jambonz';
  const cases: { name: string; config: Record<string, unknown>; fixtures: ReturnType<typeof loadFixtures> }[] = [
    { name: 'Basic auth', config: { auth: { basic: { username: 'jambonz', password: 's3cret-pass' } } }, fixtures: loadFixtures('jambonz') },
    // jambonz signs a JSON body: GET query-string hooks cannot carry a signature (verify says so).
    { name: 'Jambonz-Signature (rotation: the first secret signs) and Basic auth', config: { auth: { basic: { username: 'jambonz', password: 's3cret-pass' }, webhookSecret: ['wh_new', 'wh_old'] } },
      fixtures: loadFixtures('jambonz').filter((f) => f.requests.every((r) => r.body !== undefined)) },
  ];
  for (const { name, config, fixtures } of cases) {
    it(`${name}: every fixture request, signed, is verified; unsigned or tampered, refused`, async () => {
      const parsed = source.config.parse(config);
      const instance = await source.create(parsed, testContext());
      let checked = 0;
      for (const fixture of fixtures) {
        for (const request of fixture.requests) {
          const unsigned = outgoingFromFixture(request, route);
          const signed = source.sign!(unsigned, parsed, { nowMs: Date.now() });
          expect(await instance.verify(webhookFromOutgoing(signed)), `${fixture.name} ${request.step ?? ''}`).to.deep.equal({ ok: true });
          expect((await instance.verify(webhookFromOutgoing(unsigned))).ok, `${fixture.name} unsigned`).to.equal(false);
          if (signed.body !== undefined && 'jambonz-signature' in signed.headers) {
            expect((await instance.verify(webhookFromOutgoing({ ...signed, body: `${signed.body} ` }))).ok, `${fixture.name} body changed`).to.equal(false);
          }
          checked += 1;
        }
      }
      expect(checked).to.be.greaterThan(0);
    });
  }
});
