/**
 * One error root with a stable `code`. Adapters (CLI, HTTP) map codes to exit codes and
 * statuses in one table each; messages always say what was wrong and what to do.
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
  | 'cancelled';

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

/** Shows a received value briefly and unambiguously in an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return `${kind} ${short}`;
}
