import { prettyFactory } from 'pino-pretty';

/**
 * Whether `callrelay run` writes human-readable log lines: `log.pretty` when the file sets it, else
 * when a person is reading (stdout is a terminal) outside production (`NODE_ENV=production` keeps
 * JSON even in a terminal, as under `docker run -t`). Pipes, files and log collectors get JSON.
 */
export function wantsPrettyLogs(setting: boolean | undefined, stdout: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return setting ?? (stdout.isTTY === true && env.NODE_ENV !== 'production');
}

/**
 * A formatter of JSON log lines into pino-pretty's human-readable lines, used in the logger's write
 * path (`createLogger({ formatLine })`), not as a pino transport: a transport runs in a worker
 * thread whose buffered lines a `process.exit` can lose, and a stream pipeline adds buffering of its
 * own; formatting in place keeps one destination, its EPIPE handling and its flush on shutdown.
 */
export function prettyLogLines(colorize: boolean): (line: string) => string {
  const format = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'name', singleLine: true });
  return (line) => format(line);
}
