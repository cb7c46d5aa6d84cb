/** Exit codes of the callrelay command (documented in docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** Something failed at run time (start failed, store unreachable). */
  FAILURE: 1,
  /** The config file or the command line is wrong. */
  USAGE: 2,
} as const;
