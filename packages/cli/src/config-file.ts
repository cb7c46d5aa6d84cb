import { errorMessage, hasErrorCode } from '@callrelay/core';
import { ConfigError, formatIssue, loadConfig, type ConnectorRegistry, type ResolvedConfig } from '@callrelay/core/host';
import { EXIT } from './exit-codes.js';

/** Thrown to end the command with an exit code after printing a message. */
export class CommandFailure extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

/** Loads a config file or fails with every problem listed and exit code 2. */
export async function loadConfigOrFail(file: string, registry: ConnectorRegistry): Promise<ResolvedConfig> {
  try {
    return await loadConfig(file, registry);
  } catch (err) {
    if (err instanceof ConfigError || hasErrorCode(err, 'CONFIG_INVALID')) {
      const issues = (err as ConfigError).issues;
      throw new CommandFailure(`${issues.length} error${issues.length === 1 ? '' : 's'} in ${file}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, EXIT.USAGE);
    }
    throw new CommandFailure(errorMessage(err), EXIT.USAGE);
  }
}
