/**
 * Chooses the engine from a database locator: `postgres://` or `postgresql://` URLs open the
 * PostgreSQL engine; anything else is a SQLite file path (`sqlite:` prefix optional).
 */
import { ConfigError } from '../core/errors.js';
import type { StoreClock } from './clock.js';
import type { Store } from './contract.js';

export interface OpenStoreOptions {
  /** Postgres schema holding Ordo's tables. @defaultValue 'ordo' */
  schema?: string;
  /** Run migrations on open. @defaultValue true */
  migrate?: boolean;
  /** For tests: a clock ahead of the store's real one (the database's, for PostgreSQL). */
  clock?: StoreClock;
}

export const DEFAULT_DATABASE = './.ordo/ordo.db';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The file of a SQLite locator (`sqlite:` prefix optional). */
export function sqlitePath(db: string): string {
  return db.replace(/^sqlite:(\/\/)?/i, '');
}

/** Refuses locators that are neither a SQLite path nor a well-formed postgres:// URL. */
export function checkDatabaseLocator(db: string): void {
  if (!isPostgresUrl(db) && /^[a-z][a-z0-9+.-]*:\/\//i.test(db) && !/^sqlite:/i.test(db)) {
    throw new ConfigError(`database: ${db.split('://')[0]}:// is not supported; use a SQLite file path or a postgres:// URL`);
  }
  if (!isPostgresUrl(db)) return;
  // A Unix-socket URL has a user but no host (`postgres://me@/db?host=/run/postgresql`):
  // node-postgres accepts it, WHATWG URL does not, so parse it with a stand-in host.
  if (!URL.canParse(db) && !URL.canParse(db.replace(/@\//, '@localhost/'))) {
    throw new ConfigError('database: not a valid postgres:// URL; expected postgres://user:password@host:5432/database (percent-encode special characters in the password)');
  }
}

export async function openStore(db: string = DEFAULT_DATABASE, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof db !== 'string' || db.trim() === '') {
    throw new ConfigError(`database: expected a SQLite file path or a postgres:// URL, received ${JSON.stringify(db)}`);
  }
  checkDatabaseLocator(db);
  let store: Store;
  if (isPostgresUrl(db)) {
    const { createPostgresStore } = await import('./postgres/engine.js');
    store = createPostgresStore({ url: db, schema: options.schema ?? 'ordo', ...(options.clock ? { clock: options.clock } : {}) });
  } else {
    const { createSqliteStore } = await import('./sqlite/engine.js');
    store = createSqliteStore({ path: sqlitePath(db), ...(options.clock ? { clock: options.clock } : {}) });
  }
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/** The database named by options, then ORDO_DATABASE_URL, then DATABASE_URL; undefined: the default file. */
export function resolveDatabase(db?: string): string | undefined {
  return db ?? process.env.ORDO_DATABASE_URL ?? process.env.DATABASE_URL;
}

/** Opens (and migrates) the store that `db`, the environment or the default names. */
export function openConfiguredStore(options: { db?: string; schema?: string }): Promise<Store> {
  const schema = options.schema ?? process.env.ORDO_SCHEMA;
  return openStore(resolveDatabase(options.db), schema ? { schema } : {});
}
