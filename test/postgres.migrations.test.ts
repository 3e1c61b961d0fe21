/**
 * PostgreSQL migrations: many processes migrating one schema at once migrate it once, the
 * schema is created when missing, a newer schema is refused, a role with data privileges
 * only starts against an up-to-date schema, and bad schema names are configuration errors
 * that name the value.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/core/errors.js';
import { createPostgresStore } from '../src/store/postgres/engine.js';
import { SCHEMA_VERSION } from '../src/store/postgres/migrations.js';
import { job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';

describe('postgres migrations', () => {
  const pg = usePostgres();

  it('migrates once when ten stores migrate the same new schema at once', async () => {
    const schema = freshSchema('mig');
    const stores = await Promise.all(Array.from({ length: 10 }, () => pg.open({ schema, migrate: false })));
    await Promise.all(stores.map((store) => store.migrate()));
    const versions = await pg.admin<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
    const [first] = await stores[3]!.jobInsertMany({ jobs: [job()] });
    expect(await stores[7]!.jobGet({ id: first!.id })).toMatchObject({ state: 'pending' });
  });

  it('is idempotent', async () => {
    const store = await pg.open();
    await store.migrate();
    await store.migrate();
    expect(await store.jobList({})).toEqual({ jobs: [], total: 0 });
  });

  it('refuses a schema newer than this code', async () => {
    const schema = freshSchema('mig');
    const store = await pg.open({ schema });
    await pg.admin(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'from the future')`, [SCHEMA_VERSION + 1]);
    const error = await store.migrate().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`newer than this Ordo understands`);
  });

  it('works for a role with data privileges only when the schema is up to date, and says what it lacks when not', async () => {
    const schema = freshSchema('mig');
    await (await pg.open({ schema })).close();
    const role = `ordo_data_${process.pid}_${Date.now().toString(36)}`;
    await pg.admin(`CREATE ROLE ${role} LOGIN PASSWORD 'data-only'`);
    const url = new URL(testUrl());
    url.username = role;
    url.password = 'data-only';
    const store = await pg.open({ url: url.toString(), schema, migrate: false });
    const behind = await pg.open({ url: url.toString(), migrate: false });
    try {
      await pg.admin(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
      await pg.admin(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
      await store.migrate();
      const [created] = await store.jobInsertMany({ jobs: [job({ uniqueKey: 'k' })] });
      const [claimed] = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 60_000 });
      expect(claimed?.id).toBe(created!.id);

      const error = await behind.migrate().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/is at version 0 and needs \d+, but this role may not change it \(permission denied/);
    } finally {
      await Promise.all([store.close(), behind.close()]);
      await pg.admin(`DROP OWNED BY ${role}`);
      await pg.admin(`DROP ROLE ${role}`);
    }
  });

  it('rejects schema names that are not plain identifiers, naming the value', () => {
    for (const bad of ['ordo; drop table x', '1ordo', 'or"do', '', 'a'.repeat(64)]) {
      expect(() => createPostgresStore({ url: testUrl(), schema: bad })).toThrow(ConfigError);
    }
    expect(() => createPostgresStore({ url: testUrl(), schema: 'my-schema' })).toThrow(/"my-schema"/);
  });

  it('rejects schema names with the pg_ prefix PostgreSQL reserves, naming the value', () => {
    for (const reserved of ['pg_ordo', 'pg_']) {
      expect(() => createPostgresStore({ url: testUrl(), schema: reserved })).toThrow(ConfigError);
      expect(() => createPostgresStore({ url: testUrl(), schema: reserved })).toThrow(new RegExp(`"${reserved}".*reserve`));
    }
  });

  it('rejects a URL that is not postgres://', () => {
    expect(() => createPostgresStore({ url: 'mysql://x@y/z' })).toThrow(/url: expected a postgres:\/\//);
  });
});
