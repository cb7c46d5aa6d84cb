import { pino, type Logger } from 'pino';
import { createRedactor, REDACTED } from '../util/redact.js';

/**
 * Log keys whose values are credentials whatever logged them (request headers, a connector's own
 * fields). Config secrets are not redacted by key name: a key such as `value` (3CX `auth.token.value`)
 * names credentials in one schema and call data everywhere else; they are redacted by value.
 */
const ALWAYS_REDACTED = ['authorization', 'password', 'token', 'secret', 'secrets', 'accessToken', 'webhookUrl', 'signingKey', 'signingKeys', 'cookie', 'set-cookie', 'x-api-key'];

export interface LoggerOptions {
  level?: string;
  /**
   * Turns each finished line (JSON, already redacted) into what is written, e.g. a human-readable
   * line (`prettyFactory` of pino-pretty, which the CLI uses for `log.pretty`). It runs in the write
   * path, synchronously: the line then goes to the same destination as a JSON line would, so a
   * closed stdout (EPIPE) and the flush at shutdown behave the same in both formats.
   */
  formatLine?: (line: string) => string;
  /**
   * The secret values of the config (`ResolvedConfig.secretValues`): replaced by `[redacted]`
   * wherever they appear in a line (message, fields, error stacks).
   */
  secretValues?: readonly string[];
  /**
   * Exact paths of log objects to redact (`ResolvedConfig.secretKeys`: dotted config paths such as
   * `sources.pbx.auth.token.value`), in case a config section is logged as it is.
   */
  secretKeys?: readonly string[];
  destination?: NodeJS.WritableStream;
}

/** A dotted path as a pino redact path: each part quoted, since ids may contain `-`. */
function redactPath(dotted: string): string {
  return dotted.split('.').map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 && /^[A-Za-z_$][\w$]*$/.test(part) ? part : `[${JSON.stringify(part)}]`)).join('');
}

/**
 * The process logger. Every line is redacted before it is written: credentials in URLs (userinfo,
 * `?apikey=`, `?token=`... see `redactUrl`), the config's secret values, and credential keys
 * (headers) at any of the first three levels of a log object. Redacting the written line rather
 * than chosen fields covers what a field serializer would miss: the message, error stacks, and
 * values nested at any depth.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const paths = [
    ...ALWAYS_REDACTED.flatMap((key) => {
      const quoted = `[${JSON.stringify(key)}]`;
      return [quoted, `*${quoted}`, `*.*${quoted}`];
    }),
    // A key with a quote or backslash has no pino path; its value is redacted all the same.
    ...(options.secretKeys ?? []).filter((key) => !/["\\]/.test(key)).map(redactPath),
  ];
  const redactor = createRedactor(options.secretValues);
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'callrelay' },
      redact: { paths, censor: REDACTED },
      // Redacted first, formatted after: a format never sees a secret.
      hooks: { streamWrite: options.formatLine ? (line) => options.formatLine!(redactor.json(line)) : (line) => redactor.json(line) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }),
  );
}
