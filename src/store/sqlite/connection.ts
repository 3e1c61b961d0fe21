/**
 * One better-sqlite3 connection for one store instance: opens the file (creating its folder),
 * sets the pragmas every Ordo connection needs, caches prepared statements, and runs each
 * operation as one synchronous unit.
 *
 * Why synchronous units: better-sqlite3 blocks, so an operation that never awaits can never
 * interleave with another call on the same connection, and no transaction is ever held across
 * an `await`. Writes that read first use `BEGIN IMMEDIATE`: a deferred transaction that
 * upgrades from read to write can hit SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { folderError, missingDatabase, toStoreError } from './errors.js';

/**
 * Milliseconds SQLite itself waits for another connection's write lock before SQLITE_BUSY.
 * The wait blocks the whole Node event loop (better-sqlite3 is synchronous: no heartbeat,
 * no timeout, no handler runs meanwhile), so it is kept short: ordinary contention between
 * a few processes is sub-millisecond per transaction and is absorbed here. Longer locks
 * (a big batch, a backup, a stuck process) are waited for by the engine's asynchronous
 * retries (engine.ts), which leave the event loop free between tries.
 */
export const BUSY_TIMEOUT_MS = 25;

/** True for locators that are not files (each connection gets its own private database). */
export function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

export class SqliteConnection {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly runInTransaction: Database.Transaction<(fn: () => unknown) => unknown>;

  /**
   * Opens `path`; throws a ConfigError or StoreUnavailableError that names the file.
   * `create: false` opens only an existing file and creates neither it nor its folder.
   */
  constructor(
    readonly path: string,
    create = true,
  ) {
    if (!isMemoryPath(path) && create) createFolder(path);
    if (!isMemoryPath(path) && !create && !existsSync(path)) throw missingDatabase(path, 'does not exist');
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { fileMustExist: !create && !isMemoryPath(path) });
      applyPragmas(db);
    } catch (err) {
      db?.close();
      throw toStoreError(err, path);
    }
    this.db = db;
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * A statement prepared once per connection and reused; `cache: false` prepares it for this
   * call only (texts that vary with the input, which would grow the cache without bound).
   */
  prepare(sql: string, cache = true): Database.Statement {
    if (!cache) return this.db.prepare(sql);
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction (takes the write lock up front). */
  write<T>(fn: () => T): T {
    return this.runInTransaction.immediate(fn) as T;
  }

  /** Runs `fn` in one read transaction, so several SELECTs see the same snapshot. */
  read<T>(fn: () => T): T {
    return this.runInTransaction.deferred(fn) as T;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}

function createFolder(path: string): void {
  const dir = dirname(resolve(path));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw folderError(dir, path, err);
  }
}

function applyPragmas(db: Database.Database): void {
  // busy_timeout first: switching to WAL takes a lock another process may hold right now.
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss
  // can drop the last commits, and it never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // No memory-mapped I/O of the database file (this build's default, stated here on
  // purpose): reads through a mapping of a file truncated by another program (a file
  // copied over it in place) end the process with SIGBUS and no log line, where read()
  // returns an error the store can report. WAL's -shm index is always mapped; SQLite
  // keeps it valid when it is deleted, but nothing can guard against its truncation.
  db.pragma('mmap_size = 0');
}
