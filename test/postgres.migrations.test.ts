/**
 * PostgreSQL migrations: many processes migrating one schema at once migrate it once, the
 * schema is created when missing, a newer schema is refused, and bad schema names are
 * configuration errors that name the value.
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

  it('rejects schema names that are not plain identifiers, naming the value', () => {
    for (const bad of ['ordo; drop table x', '1ordo', 'or"do', '', 'a'.repeat(64)]) {
      expect(() => createPostgresStore({ url: testUrl(), schema: bad })).toThrow(ConfigError);
    }
    expect(() => createPostgresStore({ url: testUrl(), schema: 'my-schema' })).toThrow(/"my-schema"/);
  });

  it('rejects a URL that is not postgres://', () => {
    expect(() => createPostgresStore({ url: 'mysql://x@y/z' })).toThrow(/url: expected a postgres:\/\//);
  });
});
