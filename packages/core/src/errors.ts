/**
 * Errors with stable codes. Callers identify errors by `code`, never by `instanceof`, because a
 * plugin may bring its own copy of `@callrelay/core`. Every code is listed in `docs/errors.md`.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'the configuration file has errors (each is listed with file, line and path)',
  CONFIG_UNREADABLE: 'the configuration file could not be read or parsed',
  CONFIG_ENV_MISSING: 'a ${VAR} in the configuration has no value and no default',
  CONNECTOR_NOT_FOUND: 'no installed connector has this type or package name',
  CONNECTOR_LOAD_FAILED: 'the connector package was found but failed to load',
  CONNECTOR_START_FAILED: "a connector's create() or start() threw while the node was starting",
  CONNECTOR_INVALID: 'the package does not export a callrelay connector definition',
  CONNECTOR_API_MISMATCH: 'the connector does not support this plugin API version',
  CONNECTOR_KIND_MISMATCH: 'the connector is of another kind (e.g. a sink named under sources)',
  WEBHOOK_UNAUTHORIZED: 'the webhook failed verification (credentials, signature, token, IP)',
  WEBHOOK_BAD_REQUEST: 'the webhook body could not be understood',
  STORE_UNAVAILABLE: 'the store could not durably accept the events; the platform should retry',
  DELIVERY_RETRYABLE: 'the sink failed in a way that may succeed later',
  DELIVERY_PERMANENT: 'the sink failed in a way that retrying will not fix',
} as const;
/** One of the keys of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a stable {@link ErrorCode}; identify it with {@link hasErrorCode}, not `instanceof`. */
export class CallrelayError extends Error {
  /** The stable code, listed in `docs/errors.md`. */
  readonly code: ErrorCode;
  /** Structured facts for the host (e.g. `retryAfterMs` of a retryable failure). */
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CallrelayError';
    this.code = code;
    this.details = options?.details;
  }
}

/** True when `err` carries the given callrelay error code (works across duplicated packages). */
export function hasErrorCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** The message of anything thrown, without rewriting it. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
