/**
 * The engines every store and runtime test runs against. Each fixture makes a fresh,
 * isolated, migrated store: a temp SQLite file, or a new schema on the test PostgreSQL
 * (started by global-setup.ts, or ORDO_TEST_DATABASE_URL).
 *
 * PostgreSQL schemas outlive the test process, and on an external server (one that is not
 * thrown away after the run) every run would leave a hundred or more behind. So the
 * fixture remembers the schemas it handed out, and each file that uses it drops them once
 * its tests are done: `afterAll(dropCreatedSchemas)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { EngineName, Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { TestClock } from './clock.js';

export interface EngineFixture {
  name: EngineName;
  /** A locator (file path or URL) for a fresh, empty database, usable by child processes too. */
  freshDatabase(): Promise<{ db: string; schema?: string }>;
}

let schemaCounter = 0;
let fileCounter = 0;
let sqliteRoot: string | null = null;
/** PostgreSQL schemas handed out in this test process and not dropped yet. */
const createdSchemas = new Set<string>();

/** One temp folder per test process for its SQLite files, removed when the process exits. */
function sqliteFolder(): string {
  if (!sqliteRoot) {
    const root = mkdtempSync(join(tmpdir(), 'ordo-test-'));
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    sqliteRoot = root;
  }
  return sqliteRoot;
}

export const sqliteFixture: EngineFixture = {
  name: 'sqlite',
  async freshDatabase() {
    return { db: join(sqliteFolder(), `ordo-${fileCounter++}.db`) };
  },
};

export const postgresFixture: EngineFixture = {
  name: 'postgres',
  async freshDatabase() {
    const url = inject('postgresUrl');
    const schema = `t_${process.pid}_${Date.now().toString(36)}_${schemaCounter++}`;
    createdSchemas.add(schema);
    return { db: url, schema };
  },
};

export const engines: EngineFixture[] = [sqliteFixture, postgresFixture];

/** Opens a migrated store on a fresh database of this engine (on `clock`, when given). */
export async function freshStore(engine: EngineFixture, options: { clock?: TestClock } = {}): Promise<Store> {
  const { db, schema } = await engine.freshDatabase();
  return openStore(db, { ...(schema ? { schema } : {}), ...(options.clock ? { clock: options.clock } : {}) });
}

/** A fresh store of this engine on its own TestClock, for tests that move time forward. */
export async function freshClockedStore(engine: EngineFixture): Promise<{ store: Store; clock: TestClock }> {
  const clock = new TestClock();
  return { store: await freshStore(engine, { clock }), clock };
}

/** Schemas dropped per statement: few enough locks for any server's lock table. */
const DROP_BATCH = 25;

/**
 * Drops every PostgreSQL schema `postgresFixture` handed out in this test process (those a
 * test never migrated are skipped by `IF EXISTS`). Register it with `afterAll` in each file
 * that uses the fixture; stores must be closed by then. A session that still holds a lock
 * on a schema makes this fail after a few seconds, naming the cause, instead of hanging.
 */
export async function dropCreatedSchemas(): Promise<void> {
  if (createdSchemas.size === 0) return;
  const schemas = [...createdSchemas];
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query("SET lock_timeout = '5s'");
    for (let i = 0; i < schemas.length; i += DROP_BATCH) {
      const batch = schemas.slice(i, i + DROP_BATCH);
      await client.query(`DROP SCHEMA IF EXISTS ${batch.map((s) => `"${s}"`).join(', ')} CASCADE`);
      for (const schema of batch) createdSchemas.delete(schema);
    }
  } catch (err) {
    throw new Error(`could not drop the test schemas (is a store still open inside a transaction?): ${(err as Error).message}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}
