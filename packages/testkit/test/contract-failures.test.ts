import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it, before } from 'mocha';
import { expect } from 'chai';

/**
 * The contract suites run against sources and sinks with the mistakes a new author makes
 * (contract-failures/*.contract.ts), in a child mocha with the JSON reporter: each must fail the
 * case it should, and only that, with a message that names the case, says what was sent and got,
 * and what to change.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const folder = path.join(root, 'packages/testkit/test/contract-failures');

interface TestResult { fullTitle: string; title: string; err: { message?: string } }
interface Report { passes: TestResult[]; failures: TestResult[]; pending: TestResult[] }

/** What one broken connector must fail: the titles of its failing tests, and words each message must hold. */
const expectations: { suite: string; failing: RegExp[]; message: string[] }[] = [
  {
    suite: 'source contract: accepts bad bodies',
    failing: [/answers 400 .*: a body that is not JSON or a form/, /answers 400 .*: an empty body/],
    message: ['bad-body case', 'and got 200', 'a source must answer 400 for a body it cannot parse', 'throw badRequest(reason) from parse'],
  },
  {
    suite: 'source contract: fails open',
    failing: [/answers 401 and stores nothing: no credentials/],
    message: ['unauthorized case "no credentials"', 'and got 200', 'must be answered 401', 'return { ok: false, reason } from verify'],
  },
  {
    suite: 'source contract: no direction',
    failing: [/accepts broken\/missed/, /shuffled and twice/],
    message: ['missed/completed calls', 'folded from 2 event(s): ringing b1 unknown, ended b1 unknown', 'set `direction`'],
  },
  {
    suite: 'source contract: dedupes by arrival',
    failing: [/replayed duplicate/],
    message: ['duplicate case', '2 new event(s) were stored', 'set `dedupeKey` from the platform\'s own ids'],
  },
  {
    suite: 'source contract: signs only the fixtures',
    failing: [/answers 400 .*: a body that is not JSON or a form/, /answers 400 .*: an empty body/, /survives a burst/],
    message: ['got 401', '`authorize` must make any body pass verify'],
  },
  {
    suite: 'source contract: config that does not validate',
    failing: [/"before all" hook/],
    message: ['harness.config does not validate against the strict config schema', 'at token', 'sources.<id>'],
  },
  {
    suite: 'source contract: no unauthorized variant',
    failing: [/"before all" hook/],
    message: ['`unauthorized` is empty: leave it out', 'list the requests that must be refused'],
  },
  {
    suite: 'sink contract: fails every error permanently',
    failing: [/asks for a retry on a retryable failure/, /honours Retry-After/],
    message: ['settled as {"status":"failed"', 'outcomeForHttpStatus(res.status, res.headers.get(\'retry-after\'))', 'declare unsupported: {'],
  },
  {
    suite: 'sink contract: ignores Retry-After',
    failing: [/honours Retry-After/],
    message: ['retry-after case', 'Retry-After: 7', 'the retry must carry retryAfterMs >= 7000'],
  },
  { suite: 'source contract: single-request fixtures', failing: [], message: [] },
];

describe('contract suites: failure messages a new author can act on', function () {
  this.timeout(120_000);
  let report: Report;

  before(async () => {
    const mocha = path.join(root, 'node_modules/mocha/bin/mocha.js');
    const files = ['broken-sources.contract.ts', 'broken-sinks.contract.ts'].map((f) => path.join(folder, f));
    const args = [mocha, '--no-config', '-n', 'conditions=callrelay-source', '-n', 'import=tsx', '--timeout', '30000', '--reporter', 'json', ...files];
    // Mocha exits with the number of failures: expected here, the report is what counts.
    const result = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 16 << 20, env: { ...process.env, LOG_LEVEL: 'silent' } })
      .catch((err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }));
    try {
      report = JSON.parse(result.stdout) as Report;
    } catch {
      throw new Error(`the child mocha printed no JSON report:\n${result.stdout}\n${result.stderr}`);
    }
  });

  for (const { suite, failing, message } of expectations) {
    it(failing.length ? `${suite}: fails ${failing.length} case(s), each with a message naming the case and the fix` : `${suite}: passes`, () => {
      const inSuite = (t: TestResult) => t.fullTitle.startsWith(`${suite} `);
      const failures = report.failures.filter(inSuite);
      expect(failures.map((f) => f.title), 'the failing tests of the suite').to.have.length(failing.length);
      for (const pattern of failing) expect(failures.some((f) => pattern.test(f.title)), `a failure matching ${pattern}`).to.equal(true);
      for (const failure of failures) {
        for (const words of message) expect(failure.err.message, failure.title).to.include(words);
      }
      if (failing.length && !failing.some((p) => p.source.includes('before all'))) {
        expect(report.passes.filter(inSuite), 'the other cases still pass: each mistake fails only its own case').to.not.have.length(0);
      }
    });
  }

  it('skips the shuffle case, saying why, when no fixture is a scenario of several requests', () => {
    const skipped = report.pending.filter((t) => t.fullTitle.startsWith('source contract: single-request fixtures '));
    expect(skipped.map((t) => t.title)).to.deep.equal([
      'yields the same outcomes when a scenario arrives shuffled and twice (not applicable: no fixture has expectOutcomes and more than one request)',
    ]);
  });
});
