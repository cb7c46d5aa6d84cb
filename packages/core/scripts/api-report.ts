/**
 * The API reports of `@callrelay/core` (API Extractor) and the record that ties the plugin API's
 * report to `PLUGIN_API_VERSION`.
 *
 * `npm run api` (from the repository root: it builds first) rewrites `etc/core.api.md` (the plugin
 * API, a contract) and `etc/core-host.api.md` (the host, for review) from the built `.d.ts`, then
 * records the plugin API report's hash next to the version in `etc/plugin-api-version.json`; it
 * refuses to record a changed plugin API under the version already recorded. `test/api-report.test.ts`
 * runs the same checks without writing anything.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import semver from 'semver';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The command that brings the reports and the version record up to date. */
export const UPDATE_COMMAND = 'npm run api (from the repository root: it builds, then runs API Extractor)';

/** The two entries of `@callrelay/core` and their API Extractor configs. */
export const API_ENTRIES = {
  plugin: { entry: '@callrelay/core', config: join(packageDir, 'api-extractor.json'), report: join(packageDir, 'etc/core.api.md') },
  host: { entry: '@callrelay/core/host', config: join(packageDir, 'api-extractor.host.json'), report: join(packageDir, 'etc/core-host.api.md') },
} as const;

/** Where the plugin API report's hash is recorded with the version it belongs to. */
export const VERSION_RECORD_PATH = join(packageDir, 'etc/plugin-api-version.json');

/** The checked-in pairing of a plugin API version with the report it names. */
export interface VersionRecord {
  pluginApiVersion: string;
  reportSha256: string;
}

/** What one API Extractor run found. */
export interface ReportCheck {
  /** True when the built `.d.ts` no longer matches the checked-in report. */
  changed: boolean;
  /** Errors and warnings (an undocumented or forgotten export of the plugin API is one), as text. */
  problems: string[];
}

/**
 * Runs API Extractor on one entry. `update: false` writes nothing and reports a mismatch;
 * `update: true` rewrites the report (API Extractor's local mode).
 */
export function runApiExtractor(which: keyof typeof API_ENTRIES, update: boolean): ReportCheck {
  const config = ExtractorConfig.loadFileAndPrepare(API_ENTRIES[which].config);
  const problems: string[] = [];
  const result = Extractor.invoke(config, {
    localBuild: update,
    messageCallback(message: ExtractorMessage) {
      // The report's own mismatch is told by `apiReportChanged`; everything else is a problem to show.
      if (['console-api-report-changed', 'console-api-report-copied', 'console-api-report-not-copied'].includes(message.messageId)) {
        message.handled = true;
        return;
      }
      if (message.logLevel === 'error' || message.logLevel === 'warning') {
        problems.push(message.formatMessageWithLocation(packageDir));
        message.handled = true;
      } else {
        message.handled = true;
      }
    },
  });
  return { changed: result.apiReportChanged, problems };
}

/** SHA-256 of a report, line endings folded so that a checkout with CRLF hashes the same. */
export function reportHash(path: string): string {
  return createHash('sha256').update(readFileSync(path, 'utf8').replace(/\r\n/g, '\n')).digest('hex');
}

/** The `PLUGIN_API_VERSION` that a plugin API report declares. */
export function reportedVersion(path: string): string {
  const match = /export const PLUGIN_API_VERSION = "([^"]+)";/.exec(readFileSync(path, 'utf8'));
  if (!match) throw new Error(`${path} does not declare PLUGIN_API_VERSION`);
  return match[1]!;
}

/** The checked-in record. */
export function readVersionRecord(): VersionRecord {
  return JSON.parse(readFileSync(VERSION_RECORD_PATH, 'utf8')) as VersionRecord;
}

/**
 * Why the checked-in plugin API report and the recorded version do not belong together, or
 * undefined when they do.
 */
export function versionMismatch(record: VersionRecord, report = API_ENTRIES.plugin.report): string | undefined {
  const hash = reportHash(report);
  const version = reportedVersion(report);
  if (hash === record.reportSha256 && version === record.pluginApiVersion) return undefined;
  const bump = versionBumpProblem(record.pluginApiVersion, version);
  if (bump) return bump;
  if (version === record.pluginApiVersion) {
    return `the plugin API (packages/core/etc/core.api.md) changed but PLUGIN_API_VERSION is still ${version}: ` +
      'raise PLUGIN_API_VERSION in packages/core/src/plugin/define.ts (a minor for additions, a major for a change that breaks connectors), ' +
      `then run ${UPDATE_COMMAND}`;
  }
  return `PLUGIN_API_VERSION is ${version} in the report but etc/plugin-api-version.json records ${record.pluginApiVersion}: run ${UPDATE_COMMAND}`;
}

/**
 * Why `next` is not an acceptable new plugin API version after `recorded` (a changed report needs at
 * least a minor bump: a patch release cannot change what connectors see), or undefined.
 * A recorded integer (before versions were semver) counts as `<n>.0.0`.
 */
export function versionBumpProblem(recorded: string | number, next: string): string | undefined {
  const previous = typeof recorded === 'number' ? `${recorded}.0.0` : recorded;
  if (semver.valid(next) === null) return `PLUGIN_API_VERSION ${JSON.stringify(next)} is not a semver version (e.g. "2.1.0")`;
  if (next === previous) return undefined;
  if (semver.lt(next, semver.inc(previous, 'minor')!)) {
    return `PLUGIN_API_VERSION ${next} after ${previous}: a changed plugin API needs at least a minor bump (${semver.inc(previous, 'minor')!} for additions, ${semver.inc(previous, 'major')!} for breaking changes)`;
  }
  return undefined;
}

function main(): void {
  let failed = false;
  for (const which of ['plugin', 'host'] as const) {
    const { changed, problems } = runApiExtractor(which, true);
    console.log(`${API_ENTRIES[which].entry}: ${changed ? 'report updated' : 'report unchanged'} (${API_ENTRIES[which].report})`);
    for (const problem of problems) console.log(`  ${problem}`);
    if (which === 'plugin' && problems.length > 0) failed = true;
  }
  const record = readVersionRecord();
  const version = reportedVersion(API_ENTRIES.plugin.report);
  const hash = reportHash(API_ENTRIES.plugin.report);
  if (hash !== record.reportSha256) {
    const problem = versionMismatch(record);
    if (version === record.pluginApiVersion || (problem && versionBumpProblem(record.pluginApiVersion, version))) {
      console.error(problem);
      failed = true;
    } else {
      writeFileSync(VERSION_RECORD_PATH, `${JSON.stringify({ pluginApiVersion: version, reportSha256: hash }, null, 2)}\n`);
      console.log(`recorded plugin API version ${version} (was ${record.pluginApiVersion}) in ${VERSION_RECORD_PATH}`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
