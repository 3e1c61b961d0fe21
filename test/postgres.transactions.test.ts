/**
 * Transactional enqueue: `jobInsertMany({ tx })` on the caller's own client inside the
 * caller's transaction. The job exists, and workers are woken, if and only if it commits.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.js';
import { job } from './support/jobs.js';
import { heardQueues, testUrl, usePostgres } from './support/postgres.js';
import { sleep, waitUntil } from './support/wait.js';

describe('postgres transactional enqueue', () => {
  const pgs = usePostgres();
  let client: pg.Client;

  beforeEach(async () => {
    client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
  });
  afterEach(async () => {
    await client.end();
  });

  it('creates the job when the caller commits, and signals only then', async () => {
    const store = await pgs.open();
    const heard = await heardQueues(store);
    await client.query('BEGIN');
    await client.query('CREATE TEMP TABLE orders (id int)');
    await client.query('INSERT INTO orders VALUES (1)');
    const [result] = await store.jobInsertMany({ jobs: [job({ queue: 'billing' })], tx: client });
    expect(result!.created).toBe(true);
    expect(await store.jobGet({ id: result!.id })).toBeNull(); // not visible outside the transaction yet
    await sleep(50);
    expect(heard).toEqual([]);
    await client.query('COMMIT');
    expect(await store.jobGet({ id: result!.id })).toMatchObject({ state: 'pending', queue: 'billing' });
    await waitUntil(() => heard.includes('billing'), 3000, 'the signal delivered at COMMIT');
  });

  it('leaves no job and no signal when the caller rolls back', async () => {
    const store = await pgs.open();
    const heard = await heardQueues(store);
    await client.query('BEGIN');
    const results = await store.jobInsertMany({ jobs: [job({ queue: 'billing' }), job({ uniqueKey: 'k' })], tx: client });
    await client.query('ROLLBACK');
    for (const { id } of results) expect(await store.jobGet({ id })).toBeNull();
    expect(await store.jobList({})).toMatchObject({ total: 0 });
    await sleep(100);
    expect(heard).toEqual([]);
  });

  it('deduplicates unique keys inside the caller transaction', async () => {
    const store = await pgs.open();
    const [existing] = await store.jobInsertMany({ jobs: [job({ uniqueKey: 'report-1' })] });
    await client.query('BEGIN');
    const results = await store.jobInsertMany({ jobs: [job({ uniqueKey: 'report-1' }), job({ uniqueKey: 'report-2' })], tx: client });
    await client.query('COMMIT');
    expect(results[0]).toEqual({ id: existing!.id, created: false });
    expect(results[1]!.created).toBe(true);
  });

  it('works on a pooled client too', async () => {
    const store = await pgs.open();
    const pool = new pg.Pool({ connectionString: testUrl(), max: 1 });
    const pooled = await pool.connect();
    try {
      await pooled.query('BEGIN');
      const [result] = await store.jobInsertMany({ jobs: [job()], tx: pooled });
      await pooled.query('COMMIT');
      expect(await store.jobGet({ id: result!.id })).not.toBeNull();
    } finally {
      pooled.release();
      await pool.end();
    }
  });

  it('rejects a tx that cannot run queries', async () => {
    const store = await pgs.open();
    await expect(store.jobInsertMany({ jobs: [job()], tx: { begin: true } })).rejects.toThrow(ValidationError);
  });
});
