/**
 * The engines every store and runtime test runs against. Each fixture makes a fresh,
 * isolated, migrated store: a temp SQLite file, or a new schema on the test PostgreSQL
 * (started by global-setup.ts, or ORDO_TEST_DATABASE_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { EngineName, Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';

export interface EngineFixture {
  name: EngineName;
  /** A locator (file path or URL) for a fresh, empty database, usable by child processes too. */
  freshDatabase(): Promise<{ db: string; schema?: string }>;
}

let schemaCounter = 0;
let fileCounter = 0;
let sqliteRoot: string | null = null;

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
    return { db: url, schema };
  },
};

export const engines: EngineFixture[] = [sqliteFixture, postgresFixture];

/** Opens a migrated store on a fresh database of this engine. */
export async function freshStore(engine: EngineFixture): Promise<Store> {
  const { db, schema } = await engine.freshDatabase();
  return openStore(db, schema ? { schema } : {});
}
