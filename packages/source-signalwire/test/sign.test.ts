import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures, outgoingFromFixture, testContext, webhookFromOutgoing } from '@callrelay/testkit';
import source from '@callrelay/source-signalwire';

/** `sign` against this source's own `verify`: every recorded request of the platform, signed, passes; unsigned, fails. */
describe('signalwire: sign round trip', () => {
  const route = 'http://127.0.0.1:8080/hooks/signalwire';
  const cases: { name: string; config: Record<string, unknown>; fixtures: ReturnType<typeof loadFixtures> }[] = [
    { name: 'signing key', config: { auth: { signingKey: 'PSKsigning-key-1' } }, fixtures: loadFixtures('signalwire') },
    { name: 'signing key behind a proxy (publicUrl)', config: { auth: { signingKey: ['PSKnew', 'PSKold'] }, publicUrl: 'https://hooks.example.com/sw/hook' }, fixtures: loadFixtures('signalwire') },
    { name: 'token in the URL and signing key', config: { auth: { signingKey: 'PSKsigning-key-1', token: { value: 'url-token-1' } } }, fixtures: loadFixtures('signalwire') },
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
          if (signed.body) {
            expect((await instance.verify(webhookFromOutgoing({ ...signed, body: `${signed.body}&Extra=1` }))).ok, `${fixture.name} body changed`).to.equal(false);
          }
          checked += 1;
        }
      }
      expect(checked).to.be.greaterThan(0);
    });
  }
});
