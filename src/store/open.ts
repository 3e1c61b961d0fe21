/**
 * Chooses the engine from a database locator: `postgres://` or `postgresql://` URLs open the
 * PostgreSQL engine; anything else is a SQLite file path (`sqlite:` prefix optional).
 */
import { DEFAULTS } from '../core/defaults.js';
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
  /**
   * `false`: open only an existing Ordo database (read-only tools). A SQLite file that does
   * not exist, or a PostgreSQL schema that does not exist, is refused with a ConfigError
   * naming it, and nothing is created. @defaultValue true
   */
  create?: boolean;
}

export const DEFAULT_DATABASE = DEFAULTS.database;

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
  const shared = { ...(options.clock ? { clock: options.clock } : {}), create: options.create !== false };
  let store: Store;
  if (isPostgresUrl(db)) {
    const { createPostgresStore } = await import('./postgres/engine.js');
    store = createPostgresStore({ url: db, schema: options.schema ?? DEFAULTS.schema, ...shared });
  } else {
    const { createSqliteStore } = await import('./sqlite/engine.js');
    store = createSqliteStore({ path: sqlitePath(db), ...shared });
  }
  // With `create: false` the check is migrate()'s first step, so it runs even when not migrating.
  if (options.migrate !== false || options.create === false) {
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

/**
 * Opens (and migrates) the store that `db`, the environment or the default names.
 * `create: false` (read-only tools) refuses a database that holds no Ordo tables.
 */
export function openConfiguredStore(options: { db?: string; schema?: string; create?: boolean }): Promise<Store> {
  const schema = options.schema ?? process.env.ORDO_SCHEMA;
  return openStore(resolveDatabase(options.db), { ...(schema ? { schema } : {}), ...(options.create === false ? { create: false } : {}) });
}
