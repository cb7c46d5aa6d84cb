import { CommandFailure } from './config-file.js';
import { EXIT } from './exit-codes.js';

/**
 * `--env <file>`: loads `KEY=value` lines into `process.env` with node's own parser (the one
 * of `node --env-file`), so a `${VAR}` of the config file can come from the `.env` that
 * `callrelay init` writes. Variables already set in the environment win. Not named `--env-file`:
 * Node 20 reads a `--env-file` anywhere in its arguments, even after the script, and exits with
 * code 9 when the file is missing, before the command could say what is wrong.
 */
export function loadEnvFileOrFail(file: string): void {
  try {
    process.loadEnvFile(file);
  } catch (err) {
    throw new CommandFailure(`cannot read --env ${file}: ${(err as Error).message}`, EXIT.USAGE);
  }
}
