/**
 * Opening without creating (`create: false`, what read-only tools use): a database that
 * holds no Ordo tables is refused with a ConfigError naming it and what to check, and
 * nothing is created, not a file, not a folder, not a schema. An Ordo database opens.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '../src/core/errors.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { dropCreatedSchemas, postgresFixture } from './support/engines.js';
import { job } from './support/jobs.js';

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function open(db: string, options: Parameters<typeof openStore>[1]): Promise<Store> {
  const store = await openStore(db, options);
  opened.push(store);
  return store;
}

describe('create: false on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-open-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a file that does not exist, naming it, and creates neither it nor its folder', async () => {
    const path = join(dir, 'misspelled', 'ordo.db');
    const error = await openStore(path, { create: false }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('ORDO_DATABASE_URL');
    expect(existsSync(join(dir, 'misspelled'))).toBe(false);
  });

  it('refuses a file that holds no Ordo tables, and adds none', async () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    await expect(openStore(path, { create: false })).rejects.toThrow(/holds no Ordo tables/);
    await expect(openStore(path, { create: false, migrate: false })).rejects.toThrow(/holds no Ordo tables/);
  });

  it('opens an Ordo database and reads it', async () => {
    const path = join(dir, 'ordo.db');
    const writer = await open(path, {});
    await writer.jobInsertMany({ jobs: [job()] });
    const reader = await open(path, { create: false });
    expect((await reader.jobList({})).total).toBe(1);
  });
});

describe('create: false on PostgreSQL', () => {
  afterAll(dropCreatedSchemas);

  async function schemaExists(schema: string): Promise<boolean> {
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT to_regnamespace($1) IS NOT NULL AS present', [`"${schema}"`]);
      return (rows[0] as { present: boolean }).present;
    } finally {
      await client.end();
    }
  }

  it('refuses a schema that does not exist, naming it, and does not create it', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    const error = await openStore(db, { schema: schema!, create: false }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(JSON.stringify(schema));
    expect((error as Error).message).toContain('ORDO_SCHEMA');
    expect(await schemaExists(schema!)).toBe(false);
  });

  it('opens an Ordo schema and reads it', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    const writer = await open(db, { schema: schema! });
    await writer.jobInsertMany({ jobs: [job()] });
    const reader = await open(db, { schema: schema!, create: false });
    expect((await reader.jobList({})).total).toBe(1);
  });
});
