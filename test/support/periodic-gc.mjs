// Preload for fault tests: `node --expose-gc --import ./test/support/periodic-gc.mjs ...` with
// CALLRELAY_TEST_GC_MS set forces a full garbage collection that often, so whatever is only weakly
// held (a timeout signal inside `AbortSignal.any`, nodejs/node#57736) is collected as soon as it can
// be. Prints how many collections ran when the process exits, so a test can tell that they did.
const everyMs = Number(process.env.CALLRELAY_TEST_GC_MS);
if (everyMs > 0) {
  if (typeof globalThis.gc !== 'function') throw new Error('periodic-gc: CALLRELAY_TEST_GC_MS is set but node runs without --expose-gc');
  let runs = 0;
  setInterval(() => { globalThis.gc(); runs += 1; }, everyMs).unref();
  process.stderr.write(`periodic-gc: global.gc() every ${everyMs} ms\n`);
  process.once('exit', () => process.stderr.write(`periodic-gc: ${runs} collections\n`));
}
