/**
 * The one place where node-postgres and PostgreSQL errors become Ordo errors: an outage is a
 * short retryable `StoreUnavailableError`, a wrong URL or a missing schema a `ConfigError`, a
 * pool whose connections are all busy says so, a lock wait that ran out (another transaction
 * holds what we need) is a retryable conflict. Anything else (a constraint, a bug in our SQL)
 * passes unchanged, so it is not disguised as an outage.
 */
import { ConfigError, OrdoError, StoreUnavailableError } from '../../core/errors.js';

/** What any call on a closed store throws: not retryable, the store will not come back. */
export function closedError(): OrdoError {
  return new OrdoError('store_unavailable', 'the PostgreSQL store is closed; open a new one');
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN',
  '57P01', // admin_shutdown: the server is shutting down or terminated this session
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
]);

const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Client was closed',
  'the database system is',
  // node-postgres' `query_timeout`: no answer in time, e.g. over a half-open connection.
  'Query read timeout',
];

/** What node-postgres' pool says when no connection became free within its connect timeout. */
const POOL_CHECKOUT_TIMEOUT = 'timeout exceeded when trying to connect';

/** True when `err` means "the server cannot be reached now", not "the statement is wrong". */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.some((text) => err.message.includes(text));
}

/** Errors that retrying cannot fix: the URL or the schema must change first. */
const CONFIG_CODES: Record<string, string> = {
  '28P01': 'PostgreSQL rejected the user or password in the database URL',
  '28000': 'PostgreSQL does not allow this user to connect (check pg_hba.conf and the URL)',
  '3D000': 'the database named in the URL does not exist; create it first',
  '42P01': 'the Ordo tables are missing in this schema; call store.migrate() first (openStore migrates by default)',
  '3F000': 'the Ordo schema does not exist; call store.migrate() first (openStore migrates by default)',
};

/**
 * Connection failures become a short `StoreUnavailableError`, configuration mistakes a
 * `ConfigError`; other errors pass unchanged.
 */
export function mapError(err: unknown): unknown {
  if (err instanceof OrdoError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const problem = typeof code === 'string' ? CONFIG_CODES[code] : undefined;
  if (problem) return new ConfigError(`${problem} (${(err as Error).message})`, { code });
  if (!isConnectionError(err)) return err;
  const error = err as Error & { code?: string };
  const message = error.message.split('\n')[0] ?? '';
  const reason = error.code && !message.includes(error.code) ? [error.code, message].filter(Boolean).join(': ') : message;
  return new StoreUnavailableError(`PostgreSQL is unavailable (${reason}); retry later`, err);
}

/**
 * Like `mapError`, for a pool of `size` connections: a checkout that timed out means every
 * connection stayed busy (long statements, or calls waiting on another transaction's locks),
 * not that the server is down, and the message says so.
 */
export function mapPoolError(err: unknown, size: number, waitedMs: number): unknown {
  if (err instanceof Error && !(err instanceof OrdoError) && err.message.includes(POOL_CHECKOUT_TIMEOUT)) {
    return new StoreUnavailableError(
      `the PostgreSQL connection pool is exhausted: ${size === 1 ? 'its 1 connection' : `all ${size} connections`} stayed busy for ${waitedMs} ms ` +
        '(long-running calls, or calls waiting on locks held by another transaction); retry later, or raise poolSize',
      err,
    );
  }
  return mapError(err);
}

/**
 * True when PostgreSQL answered that a statement failed (a SQLSTATE outside the connection
 * classes): an auto-committed statement then wrote nothing. A lost connection or a client-side
 * timeout says nothing of the sort, as the statement may have committed.
 */
export function refusedByDatabase(err: unknown): boolean {
  if (err instanceof OrdoError || isConnectionError(err)) return false;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('57');
}

/** True when PostgreSQL gave up waiting for a lock (`SET LOCAL lock_timeout` ran out). */
export function isLockTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '55P03';
}

/**
 * The retryable conflict of an enqueue whose unique keys are held by a job another
 * transaction inserted and has not committed yet: we cannot know whether it will commit.
 */
export function uniqueKeyHeldError(keys: readonly string[], cause: unknown): OrdoError {
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(key)).join(', ') + (keys.length > 5 ? ', …' : '');
  return new OrdoError(
    'conflict',
    `another transaction holds a job with unique key ${shown} and has not committed yet; commit or roll back that transaction, or retry`,
    { retryable: true, details: { uniqueKeys: keys }, cause },
  );
}
