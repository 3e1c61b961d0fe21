/**
 * The connection pool of one Postgres store: statements, transactions, and the connection
 * settings every connection of the store shares. Error mapping lives in errors.ts.
 *
 * node-postgres replaces broken connections by itself: a client that errors is dropped from
 * the pool and the next query opens a new one, so "reconnect" needs no code here. What does
 * need code:
 * - A client emits `error` when its connection dies (server restart, pg_terminate_backend,
 *   network cut), and an `error` event nobody listens to crashes the process. The pool
 *   listens on idle clients and `pool.query` on the client it runs on; a client checked out
 *   for a transaction is ours to guard from `connect()` until `release()`.
 * - A connection can also go half-open (the peer vanished without a word): every statement
 *   has a client-side timeout (`query_timeout`), so a heartbeat or a finish can never hang.
 * - A call that fails because the server is gone surfaces as a short, retryable
 *   `StoreUnavailableError` rather than a driver stack trace, so the worker runtime above
 *   can back off and retry.
 */
import pg from 'pg';
import { sleep } from '../../core/sleep.js';
import { closedError, isConnectionError, mapPoolError } from './errors.js';
import { storeTypes } from './timestamps.js';

/** Anything that runs a statement: the pool, a checked-out client, or the caller's `tx`. */
export interface Queryable {
  /**
   * `name` makes it a named prepared statement on a connection of the pool (parsed and
   * planned once per connection: for the statements of hot paths, whose text never varies).
   * The caller's own transaction ignores it: its connection is not ours to fill.
   */
  query(text: string, values?: unknown[], name?: string): Promise<{ rows: unknown[] }>;
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
  /** Longest wait for an answer to one statement. @defaultValue {@link DEFAULT_QUERY_TIMEOUT_MS} */
  queryTimeoutMs?: number;
  /** Longest wait for a connection, new or from the pool. @defaultValue {@link DEFAULT_CONNECT_TIMEOUT_MS} */
  connectTimeoutMs?: number;
}

/**
 * Default client-side timeout of a statement. Ordo's statements take milliseconds; one that
 * has had no answer for this long is on a dead connection (or stuck behind a lock).
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Per-transaction settings. */
export interface TransactionOptions {
  /** Longest wait for a row or index lock (`SET LOCAL lock_timeout`); then error 55P03. */
  lockTimeoutMs?: number;
  /** Client-side timeout of each statement instead of the pool's (migrations run DDL). */
  queryTimeoutMs?: number;
  /**
   * Runs `fn` again (on a fresh transaction, up to 5 times) when PostgreSQL aborts it as a
   * deadlock victim (40P01). For transactions whose `fn` only reads and writes the database,
   * so a second run is the same as the first.
   */
  retryDeadlock?: boolean;
}

/** A pool with error mapping, statement helpers and an idempotent close. */
export interface Db {
  /** Runs one statement and returns its rows. */
  rows<R>(statement: Statement): Promise<R[]>;
  /** Runs `fn` between BEGIN and COMMIT on one client; ROLLBACK if it throws. */
  transaction<T>(fn: (client: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
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
    // Neither connecting nor a statement may hang forever while the server is unreachable.
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    // Timestamps read faster, into the same Dates (per connection: the global pg.types stays the application's).
    types: storeTypes,
  };
}

export function createDb(options: PoolOptions): Db {
  const max = options.max ?? 10;
  const pool = new pg.Pool({ ...clientConfig(options), max, idleTimeoutMillis: 30_000 });
  const mapError = (err: unknown): unknown => mapPoolError(err, max, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
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
    async transaction<T>(fn: (client: Queryable) => Promise<T>, transactionOptions: TransactionOptions = {}): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        guard();
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (err) {
          throw mapError(err);
        }
        try {
          return await runInTransaction(client, fn, transactionOptions, mapError);
        } catch (err) {
          if (!transactionOptions.retryDeadlock || (err as { code?: unknown }).code !== '40P01' || attempt >= DEADLOCK_TRIES) throw err;
          // A short jittered pause lets the transaction that won finish before we try again.
          await sleep(5 + Math.random() * 20);
        }
      }
    },
    isOwnBackend: (pid) => backends.has(pid),
    close(): Promise<void> {
      closed ??= pool.end().catch(() => undefined);
      return closed;
    },
  };
}

/**
 * BEGIN, `fn`, COMMIT on a checked-out client, which is guarded against `error` events for
 * the whole time it is out of the pool and released as broken when its connection died or
 * its state is unknown (a statement timed out, ROLLBACK failed): never reused.
 */
async function runInTransaction<T>(
  client: pg.PoolClient,
  fn: (client: Queryable) => Promise<T>,
  options: TransactionOptions,
  mapError: (err: unknown) => unknown,
): Promise<T> {
  let lost: Error | undefined;
  const onError = (err: Error): void => {
    lost ??= err;
  };
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    const queryable = transactionQueryable(client, options.queryTimeoutMs);
    await client.query('BEGIN');
    if (options.lockTimeoutMs !== undefined) await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(options.lockTimeoutMs))}`);
    const value = await fn(queryable);
    await client.query('COMMIT');
    return value;
  } catch (err) {
    if (lost || isConnectionError(err)) {
      // The connection is dead or its state unknown (a timed-out statement may still be
      // running): a ROLLBACK could wait forever. Destroying the connection rolls back.
      broken = lost ?? (err as Error);
    } else {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      });
    }
    throw mapError(lost && !isConnectionError(err) ? lost : err);
  } finally {
    client.removeListener('error', onError);
    // From here on the pool's own listener guards the client again.
    client.release(broken);
  }
}

function transactionQueryable(client: pg.PoolClient, queryTimeoutMs: number | undefined): Queryable {
  return { query: (text, values, name) => client.query({ name, text, values, query_timeout: queryTimeoutMs } as pg.QueryConfig) };
}

/** Runs of a `retryDeadlock` transaction at most. */
const DEADLOCK_TRIES = 5;

/** How long ending a connection waits for the server to acknowledge it. */
const END_WAIT_MS = 1_000;

/**
 * Ends a dedicated client (listener, leader), waiting at most `END_WAIT_MS`: over a
 * half-open connection the server never answers, and closing a store must not hang on it
 * (the socket is then left to the OS). Never rejects.
 */
export async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, END_WAIT_MS);
    timer.unref();
  });
  await Promise.race([client.end().catch(() => undefined), waited]);
  clearTimeout(timer);
}
