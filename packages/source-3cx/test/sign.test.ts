import { describe, it } from 'mocha';
import { expect } from 'chai';
import { loadFixtures, outgoingFromFixture, testContext, webhookFromOutgoing } from '@callrelay/testkit';
import source from '@callrelay/source-3cx';

/** `sign` against this source's own `verify`: every recorded request of the platform, signed, passes; unsigned, fails. */
describe('3cx: sign round trip', () => {
  const route = 'http://127.0.0.1:8080/hooks/3cx';
  const cases: { name: string; config: Record<string, unknown>; fixtures: ReturnType<typeof loadFixtures> }[] = [
    { name: 'token', config: { auth: { token: { value: 'tok-3cx-1' } } }, fixtures: loadFixtures('3cx') },
    { name: 'token under another parameter name', config: { auth: { token: { value: ['tok-new', 'tok-old'], queryParam: 'key' } } }, fixtures: loadFixtures('3cx') },
  ];
  for (const { name, config, fixtures } of cases) {
    it(`${name}: every fixture request, signed, is verified; unsigned, refused`, async () => {
      const parsed = source.config.parse(config);
      const instance = await source.create(parsed, testContext());
      let checked = 0;
      for (const fixture of fixtures) {
        for (const request of fixture.requests) {
          const unsigned = outgoingFromFixture(request, route);
          const signed = source.sign!(unsigned, parsed, { nowMs: Date.now() });
          expect(await instance.verify(webhookFromOutgoing(signed)), `${fixture.name} ${request.step ?? ''}`).to.deep.equal({ ok: true });
          expect((await instance.verify(webhookFromOutgoing(unsigned))).ok, `${fixture.name} unsigned`).to.equal(false);
          
          checked += 1;
        }
      }
      expect(checked).to.be.greaterThan(0);
    });
  }
});
