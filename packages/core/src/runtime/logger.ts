import { pino, type Logger } from 'pino';

const ALWAYS_REDACTED = ['authorization', 'password', 'token', 'secret', 'secrets', 'accessToken', 'webhookUrl', 'signingKey', 'signingKeys', 'cookie'];

/**
 * The process logger. Secret config keys (declared with `secret()` in any connector schema) and
 * credentials in headers are redacted at any of the first three levels of a log object.
 */
export function createLogger(options: { level?: string; pretty?: boolean; secretKeys?: readonly string[]; destination?: NodeJS.WritableStream } = {}): Logger {
  const keys = [...new Set([...ALWAYS_REDACTED, ...(options.secretKeys ?? [])])];
  const paths = keys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'callrelay' },
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }),
  );
}
