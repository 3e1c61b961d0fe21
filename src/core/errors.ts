/**
 * One error root with a stable `code`. Adapters (CLI, HTTP) map codes to exit codes and
 * statuses through one table, `ERROR_MAPPING`; messages always say what was wrong and what
 * to do.
 */

export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'store_unavailable'
  | 'store_lost'
  | 'config'
  | 'permanent'
  | 'timeout'
  | 'cancelled'
  | 'retry_later'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden';

export class OrdoError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

/** Bad input from a caller: names the field, the expected form and the value received. */
export class ValidationError extends OrdoError {
  constructor(field: string, expected: string, received: unknown, hint?: string) {
    const shown = describeValue(received);
    super('invalid_argument', `${field}: expected ${expected}, received ${shown}${hint ? `. ${hint}` : ''}`, {
      details: { field, expected, received: shown },
    });
  }
}

export class NotFoundError extends OrdoError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${JSON.stringify(id)} does not exist`, { details: { what, id } });
  }
}

/** The action is not possible in the job's current state (retrying a pending job, cancelling a finished one). */
export class ConflictError extends OrdoError {
  constructor(message: string, options: { retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super('conflict', message, options);
  }
}

export class ConfigError extends OrdoError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('config', message, { details });
  }
}

/** The database cannot be reached right now; the caller may retry with backoff. */
export class StoreUnavailableError extends OrdoError {
  constructor(message: string, cause?: unknown) {
    super('store_unavailable', message, { retryable: true, cause });
  }
}

/**
 * The database is gone for good under a running process (its SQLite file was deleted,
 * replaced or made read-only): retrying cannot help; the process must stop and say so.
 */
export class StoreLostError extends OrdoError {
  constructor(message: string, cause?: unknown) {
    super('store_lost', message, { retryable: false, cause });
  }
}

/**
 * Thrown by a handler to fail the job at once, without further retries.
 * @example throw new PermanentError('user 42 no longer exists')
 */
export class PermanentError extends OrdoError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('permanent', message, options);
  }
}

/**
 * Thrown by a handler to be retried no earlier than `afterMs` from now, instead of after the
 * backoff: a rate limit or a `Retry-After` the handler knows of. It consumes an attempt like
 * any failure; once the attempts are used up the job fails as usual.
 * @example throw new RetryLaterError('rate limited by the mail API', { afterMs: 60_000 })
 */
export class RetryLaterError extends OrdoError {
  /** Milliseconds to wait before the next attempt (the worker never starts it earlier). */
  readonly afterMs: number;

  constructor(message: string, options: { afterMs: number; cause?: unknown }) {
    const afterMs = checkAfterMs(options.afterMs, 'RetryLaterError.afterMs');
    super('retry_later', message, { retryable: true, details: { afterMs }, cause: options.cause });
    this.afterMs = afterMs;
  }
}

/**
 * Thrown by a handler when what it calls refused it for a rate limit (an HTTP 429 with
 * `Retry-After`): the job goes back to pending without using an attempt, due after `afterMs`,
 * and the whole queue's starts pause that long, on every worker (the store's
 * `queuePauseFor`), so the other jobs do not hit the same wall.
 * @example throw new RateLimitedError('mail API: 429', { afterMs: retryAfterMs(res.headers.get('retry-after')) ?? 30_000 })
 */
export class RateLimitedError extends OrdoError {
  /** Milliseconds the queue pauses and the job waits. */
  readonly afterMs: number;

  constructor(message: string, options: { afterMs: number; cause?: unknown }) {
    const afterMs = checkAfterMs(options.afterMs, 'RateLimitedError.afterMs');
    super('rate_limited', message, { retryable: true, details: { afterMs }, cause: options.cause });
    this.afterMs = afterMs;
  }
}

function checkAfterMs(afterMs: unknown, field: string): number {
  if (typeof afterMs !== 'number' || !Number.isFinite(afterMs) || afterMs < 0) throw new ValidationError(field, 'a number of milliseconds ≥ 0', afterMs);
  return afterMs;
}

/**
 * The wait an HTTP `Retry-After` header asks for, in ms: delay-seconds (`120`) or an
 * HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`, from `now`; a date in the past means now);
 * null when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names a day of the week; a bare number with a sign or a fraction, or an ISO
  // date, is neither form.
  if (!/^[A-Za-z]{3,9},/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The HTTP API refused the caller: `unauthorized`, no valid token (missing, unknown or
 * revoked); `forbidden`, a valid token whose scope does not allow the operation. The message
 * says which scope is needed and how to get a token.
 */
export class AccessError extends OrdoError {
  constructor(code: 'unauthorized' | 'forbidden', message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}

/** Shows a received value briefly and unambiguously in an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON would show these as null: say what they are.
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${String(value)}`;
  if (value instanceof Date && Number.isNaN(value.getTime())) return 'an invalid Date';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Cycles, BigInts, or nesting too deep for the stack: say what it is without reading it all.
    text = Array.isArray(value) ? `[${value.length} items]` : typeof value === 'object' ? Object.prototype.toString.call(value) : String(value);
  }
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `${kind} ${short}`;
}

/** How an adapter reports an error code: the CLI's exit code and the HTTP status. */
export interface ErrorMapping {
  exitCode: number;
  httpStatus: number;
}

/**
 * The one table from error code to exit code and HTTP status. Exit codes: 2 bad input or
 * configuration, 3 not found, 4 database (or server) unavailable or lost, 5 not possible in
 * the job's state, 6 refused by the server (no valid token, or too low a scope), 1
 * otherwise. A configuration error is the caller's on the command line but the operator's
 * behind HTTP, hence 2 and 500.
 */
export const ERROR_MAPPING: Readonly<Record<ErrorCode, ErrorMapping>> = {
  invalid_argument: { exitCode: 2, httpStatus: 400 },
  config: { exitCode: 2, httpStatus: 500 },
  not_found: { exitCode: 3, httpStatus: 404 },
  store_unavailable: { exitCode: 4, httpStatus: 503 },
  store_lost: { exitCode: 4, httpStatus: 503 },
  conflict: { exitCode: 5, httpStatus: 409 },
  permanent: { exitCode: 1, httpStatus: 500 },
  timeout: { exitCode: 1, httpStatus: 504 },
  cancelled: { exitCode: 1, httpStatus: 409 },
  // A handler's control flow, seen by adapters only if one reports a job's last error.
  retry_later: { exitCode: 1, httpStatus: 503 },
  rate_limited: { exitCode: 1, httpStatus: 503 },
  unauthorized: { exitCode: 6, httpStatus: 401 },
  forbidden: { exitCode: 6, httpStatus: 403 },
};

/** Exit code and HTTP status of any thrown value: errors that are not Ordo's map to 1 and 500. */
export function errorMapping(err: unknown): ErrorMapping {
  return err instanceof OrdoError ? ERROR_MAPPING[err.code] : { exitCode: 1, httpStatus: 500 };
}

/** A ValidationError with its field renamed (message and details), for callers that know the field by another name. */
export function renameField(err: unknown, rename: (field: string) => string): unknown {
  if (!(err instanceof ValidationError)) return err;
  const field = String(err.details.field);
  const renamed = rename(field);
  if (renamed === field) return err;
  if (err.message.startsWith(`${field}:`)) err.message = renamed + err.message.slice(field.length);
  err.details.field = renamed;
  return err;
}
