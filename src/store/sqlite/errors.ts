/**
 * Turns better-sqlite3 errors into Ordo errors that say which file and what to do. Only
 * failures about the database file itself are translated; anything else (a constraint, a bug
 * in our SQL) passes through untouched so it is not disguised as an outage.
 */
import { ConfigError, OrdoError, StoreUnavailableError } from '../../core/errors.js';

/** SQLite result codes (extended codes share the prefix) that mean "the file is locked". */
export function isBusyError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** Maps an error raised while opening or using the database at `path`. */
export function toStoreError(err: unknown, path: string): unknown {
  if (err instanceof OrdoError) return err;
  const code = sqliteCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new ConfigError(
      `SQLite database ${path} is not a valid Ordo database (${message}); point Ordo at another file or restore this one from a backup`,
      { path, code },
    );
  }
  if (/^SQLITE_(CANTOPEN|READONLY|IOERR|FULL|PERM)/.test(code)) {
    return new StoreUnavailableError(
      `SQLite database ${path} cannot be used (${code}: ${message}); check that the file and its folder exist, are writable and the disk has space`,
      err,
    );
  }
  if (code === 'SQLITE_ERROR' && /no such table/.test(message)) {
    return new ConfigError(`SQLite database ${path} has no Ordo schema (${message}); call store.migrate() first (openStore migrates by default)`, {
      path,
    });
  }
  return err;
}

/** The error raised when another connection held the write lock for the whole wait budget. */
export function busyError(path: string, waitedMs: number, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `SQLite database ${path} is locked: another process has held its write lock for more than ${waitedMs / 1000} s; retry later, or look for a process holding a long write transaction (a backup, a sqlite3 shell left in BEGIN)`,
    cause,
  );
}

/** A database opened with `create: false` that is missing or holds no Ordo tables; nothing was created. */
export function missingDatabase(path: string, what: 'does not exist' | 'holds no Ordo tables'): ConfigError {
  return new ConfigError(
    `SQLite database ${path} ${what}; nothing was created. Check the database path (--db or ORDO_DATABASE_URL), or run a worker or an enqueue against it first to create it`,
    { path },
  );
}

/** Raised by a failing `mkdir` of the database's folder. */
export function folderError(dir: string, path: string, cause: unknown): ConfigError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ConfigError(`cannot create folder ${dir} for SQLite database ${path} (${reason}); create it or choose another database path`, {
    path,
  });
}

/** The SQLite result code of a better-sqlite3 error (`SQLITE_BUSY`, …), or '' for other errors. */
export function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}
