// Tests run from TypeScript sources: the `callrelay-source` condition resolves workspace packages
// to src/, tsx compiles on the fly. `npm test` builds first so that spawned CLIs use dist/.
module.exports = {
  'node-option': ['conditions=callrelay-source', 'import=tsx'],
  // `npx mocha some/file.test.ts` runs only what is named; plain `mocha` runs everything.
  spec: process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg)) ? [] : ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'test/**/*.test.ts'],
  timeout: 30000,
  reporter: process.env.MOCHA_REPORTER || './test/support/count-reporter.cjs',
  exit: true,
};
