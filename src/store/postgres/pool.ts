/**
 * The connection pool of one Postgres store, and the one place where driver errors become
 * Ordo errors.
 *
 * node-postgres replaces broken connections by itself: a client that errors is dropped from
 * the pool and the next query opens a new one, so "reconnect" needs no code here. What does
 * need code: an idle client that dies (server restart, network cut) emits `error` on the
 * pool, and an unhandled `error` event would crash the process; and a query that fails
 * because the server is gone must surface as a short, retryable `StoreUnavailableError`
 * rather than a driver stack trace, so the worker runtime above can back off and retry.
 */
import pg from 'pg';
import { ConfigError, OrdoError, StoreUnavailableError } from '../../core/errors.js';

/** Anything that runs a statement: the pool, a checked-out client, or the caller's `tx`. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** One statement. `name` makes it a named prepared statement (hot paths only). */
export interface Statement {
  readonly name?: string;
  readonly text: string;
  readonly values?: readonly unknown[];
}

export interface PoolOptions {
  url: string;
  /** Upper bound of pooled connections. @defaultValue 10 */
  max?: number;
  /** Reported in `pg_stat_activity.application_name`. @defaultValue 'ordo' */
  applicationName?: string;
}

/** A pool with error mapping, statement helpers and an idempotent close. */
export interface Db {
  /** Runs one statement and returns its rows. */
  rows<R>(statement: Statement): Promise<R[]>;
  /** Runs `fn` between BEGIN and COMMIT on one client; ROLLBACK if it throws. */
  transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T>;
  /** True when `pid` is the server process of one of this pool's connections. */
  isOwnBackend(pid: number): boolean;
  /** Ends every pooled connection. Later calls fail with a non-retryable error. */
  close(): Promise<void>;
}

/** Connection settings shared by the pool, the listener and the leader clients. */
export function clientConfig(options: PoolOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    application_name: options.applicationName ?? 'ordo',
    // Probe idle connections so a peer that vanished (network cut) is noticed, not waited on.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // A query must not hang forever while the server is unreachable.
    connectionTimeoutMillis: 10_000,
  };
}

export function createDb(options: PoolOptions): Db {
  const pool = new pg.Pool({ ...clientConfig(options), max: options.max ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client lost its connection: the pool has already dropped it; nothing to do.
  pool.on('error', () => undefined);
  // Server pids of our connections, so the listener can skip NOTIFYs we sent ourselves
  // (the store signals its own writes in-process, without the round trip).
  const backends = new Set<number>();
  const pidOf = (client: pg.PoolClient): number => (client as unknown as { processID: number }).processID;
  pool.on('connect', (client) => backends.add(pidOf(client)));
  pool.on('remove', (client) => backends.delete(pidOf(client)));
  let closed: Promise<void> | null = null;

  const guard = (): void => {
    if (closed) throw closedError();
  };

  return {
    async rows<R>(statement: Statement): Promise<R[]> {
      guard();
      try {
        const result = await pool.query({ ...statement, values: statement.values as unknown[] | undefined });
        return result.rows as R[];
      } catch (err) {
        throw mapError(err);
      }
    },
    async transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
      guard();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw mapError(err);
      }
      return runInTransaction(client, fn);
    },
    isOwnBackend: (pid) => backends.has(pid),
    close(): Promise<void> {
      closed ??= pool.end().catch(() => undefined);
      return closed;
    },
  };
}

async function runInTransaction<T>(client: pg.PoolClient, fn: (client: Queryable) => Promise<T>): Promise<T> {
  let broken: unknown;
  try {
    await client.query('begin');
    const value = await fn(client);
    await client.query('commit');
    return value;
  } catch (err) {
    await client.query('rollback').catch((rollbackErr: unknown) => {
      broken = rollbackErr;
    });
    throw mapError(err);
  } finally {
    // A client whose rollback failed is in an unknown state: destroy it, never reuse it.
    client.release(broken instanceof Error ? broken : undefined);
  }
}

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
];

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
 * `ConfigError`; other errors (a constraint, a bug in our SQL) pass unchanged, so they are
 * not disguised as an outage.
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
