import { describe, it } from 'mocha';
import { expect } from 'chai';
import { PLUGIN_API_VERSION } from '@callrelay/core';
import { API_ENTRIES, UPDATE_COMMAND, readVersionRecord, reportedVersion, runApiExtractor, versionMismatch } from '../packages/core/scripts/api-report.js';

// The plugin API is what `@callrelay/core` exports; its API Extractor report is checked in, and a
// change to it goes with a new PLUGIN_API_VERSION. These run on the built .d.ts (npm test builds first).
describe('API reports of @callrelay/core', function () {
  this.timeout(120_000);

  it('the plugin API (@callrelay/core) matches packages/core/etc/core.api.md, every export documented', () => {
    const { changed, problems } = runApiExtractor('plugin', false);
    expect(problems, `API Extractor found problems in the plugin API; fix them, then run ${UPDATE_COMMAND}`).to.deep.equal([]);
    expect(changed, `the exports of @callrelay/core no longer match packages/core/etc/core.api.md: if the change is meant, raise PLUGIN_API_VERSION and run ${UPDATE_COMMAND}`).to.equal(false);
  });

  it('the host (@callrelay/core/host) matches packages/core/etc/core-host.api.md', () => {
    const { changed, problems } = runApiExtractor('host', false);
    expect(problems, `API Extractor found problems in the host entry; fix them, then run ${UPDATE_COMMAND}`).to.deep.equal([]);
    expect(changed, `the exports of @callrelay/core/host no longer match packages/core/etc/core-host.api.md: run ${UPDATE_COMMAND}`).to.equal(false);
  });

  it('the plugin API report and PLUGIN_API_VERSION change together (etc/plugin-api-version.json)', () => {
    expect(reportedVersion(API_ENTRIES.plugin.report), `PLUGIN_API_VERSION in the source and in the report differ: run ${UPDATE_COMMAND}`).to.equal(PLUGIN_API_VERSION);
    const mismatch = versionMismatch(readVersionRecord());
    if (mismatch) expect.fail(mismatch);
  });
});
