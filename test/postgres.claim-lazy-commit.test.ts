/**
 * The claim commits without waiting for its WAL flush (jobs-claim.ts, LAZY_COMMIT): the
 * statement turns `synchronous_commit` off for its own transaction, and for nothing else. A
 * setting that leaked into the connection would make every later insert and finish on it
 * (pooled connections are shared) lose its durability.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { claimSql } from '../src/store/postgres/sql/jobs-claim.js';
import { job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const setting = async (client: pg.Client): Promise<string> => (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;

describe('postgres claim commit', () => {
  const pgs = usePostgres();

  it('turns synchronous_commit off for the claim transaction only, when it claims a job', async () => {
    const schema = freshSchema('lazy');
    const store = await pgs.open({ schema });
    await store.jobInsertMany({ jobs: [job({}), job({}), job({})] });
    const claim = (client: pg.Client, limit: number) => client.query(claimSql(`"${schema}"`), ['w', ['default'], limit, 60_000]);
    await withClient(async (client) => {
      await client.query('SET synchronous_commit = on');
      // Inside a transaction: the claim's own setting is in force until its commit.
      await client.query('BEGIN');
      expect((await claim(client, 1)).rowCount).toBe(1);
      expect(await setting(client)).toBe('off');
      await client.query('COMMIT');
      expect(await setting(client)).toBe('on');
      // Auto-committed, as the store runs it: the connection's setting is untouched after it.
      expect((await claim(client, 1)).rowCount).toBe(1);
      expect(await setting(client)).toBe('on');
    });
    // What was claimed lazily is committed and visible to others.
    expect((await store.jobList({ filter: { state: 'running' } })).total).toBe(2);
  });
});
