/**
 * Transactional enqueue: `jobInsertMany({ tx })` on the caller's own client inside the
 * caller's transaction. The job exists, and workers are woken, if and only if it commits;
 * its times are those of the statement, not of the transaction's start; a `tx` that is not
 * in an open transaction is refused; and a caller's open transaction that holds a unique key
 * or a job row cannot freeze the store's pool.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrdoError, StoreUnavailableError, ValidationError } from '../src/core/errors.js';
import type { CallerTransaction } from '../src/store/contract.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, heardQueues, testUrl, usePostgres } from './support/postgres.js';
import { sleep, waitUntil } from './support/wait.js';

/** `promise`, or a rejection naming `what` after `ms`: a test of "does not hang" must not hang. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

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
    await expect(store.jobInsertMany({ jobs: [job()], tx: { begin: true } as unknown as CallerTransaction })).rejects.toThrow(ValidationError);
  });

  it('rejects a client that is not inside BEGIN, and creates nothing', async () => {
    const store = await pgs.open();
    const error = await store.jobInsertMany({ jobs: [job()], tx: client }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toMatchObject({ field: 'tx' });
    expect((error as Error).message).toMatch(/^tx: .*tx is not inside BEGIN/);
    expect((await store.jobList({})).total).toBe(0);
  });

  it('rejects a client whose transaction has failed', async () => {
    const store = await pgs.open();
    await client.query('BEGIN');
    await client.query('SELECT 1 / 0').catch(() => undefined);
    const error = await store.jobInsertMany({ jobs: [job()], tx: client }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^tx: .*[Yy]our transaction has failed; roll it back/);
    await client.query('ROLLBACK');
  });

  it('rejects a pool, telling to pass a client from pool.connect() inside BEGIN, without echoing its settings', async () => {
    const store = await pgs.open();
    const pool = new pg.Pool({ connectionString: testUrl(), max: 1 });
    try {
      const error = await store.jobInsertMany({ jobs: [job()], tx: pool }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/^tx: .*pool\.connect\(\).*BEGIN/);
      expect((error as Error).message).not.toContain(new URL(testUrl()).password);
      expect((await store.jobList({})).total).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('times jobs by the statement, not by the start of the caller transaction', async () => {
    const store = await pgs.open();
    await client.query('BEGIN');
    const [{ started }] = (await client.query<{ started: Date }>('SELECT now() AS started')).rows as [{ started: Date }];
    await client.query('SELECT pg_sleep(0.5)');
    const [now, delayed] = await store.jobInsertMany({ jobs: [job(), job({ delayMs: 2000 })], tx: client });
    await client.query('COMMIT');
    const first = (await store.jobGet({ id: now!.id }))!;
    const second = (await store.jobGet({ id: delayed!.id }))!;
    expect(first.createdAt.getTime() - started.getTime()).toBeGreaterThanOrEqual(490);
    expect(first.runAt.getTime()).toBe(first.createdAt.getTime());
    expect(second.runAt.getTime() - started.getTime()).toBeGreaterThanOrEqual(2490);
  });

  it('does not freeze the pool while a caller transaction holds an uncommitted job with the same unique key', async () => {
    const store = await pgs.open({ poolSize: 2 });
    await client.query('BEGIN');
    const [held] = await store.jobInsertMany({ jobs: [job({ uniqueKey: 'order-1' })], tx: client });
    const started = Date.now();
    const attempts = Array.from({ length: 4 }, () => store.jobInsertMany({ jobs: [job({ uniqueKey: 'order-1' })] }).catch((err: unknown) => err));
    // The pool still serves other calls meanwhile.
    expect(await within(store.jobList({}), 8000, 'a listing while unique-key inserts wait')).toMatchObject({ total: 0 });
    const errors = await within(Promise.all(attempts), 15_000, 'inserts waiting on the held unique key');
    expect(Date.now() - started).toBeLessThan(12_000);
    for (const error of errors) {
      expect(error).toBeInstanceOf(OrdoError);
      expect(error).toMatchObject({ code: 'conflict', retryable: true });
      expect((error as Error).message).toMatch(/another transaction holds a job with unique key "order-1".*commit/);
    }
    await client.query('COMMIT');
    expect(await store.jobInsertMany({ jobs: [job({ uniqueKey: 'order-1' })] })).toEqual([{ id: held!.id, created: false }]);
  });

  it('fails a retry as a retryable conflict while a caller transaction holds an uncommitted job with its unique key', async () => {
    const store = await pgs.open();
    const [failed] = await store.jobInsertMany({ jobs: [job({ uniqueKey: 'report-9', maxAttempts: 1 })] });
    const [running] = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 60_000 });
    await store.jobFinishMany({ finishes: [finishOf(running!, { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
    await client.query('BEGIN');
    await store.jobInsertMany({ jobs: [job({ uniqueKey: 'report-9' })], tx: client });
    const error = await within(store.jobRetry({ id: failed!.id }).catch((err: unknown) => err), 10_000, 'the retry');
    expect(error).toMatchObject({ code: 'conflict', retryable: true });
    expect((error as Error).message).toMatch(/cannot be retried right now/);
    await client.query('ROLLBACK');
    expect(await store.jobRetry({ id: failed!.id })).toEqual({ retried: true, state: 'pending' });
  });

  it('says the pool is exhausted, not that PostgreSQL is down, when every connection stays busy', async () => {
    const schema = freshSchema();
    const store = await pgs.open({ schema, poolSize: 1, connectTimeoutMs: 300 });
    const [target] = await store.jobInsertMany({ jobs: [job()] });
    await client.query('BEGIN');
    await client.query(`SELECT 1 FROM "${schema}".jobs WHERE id = $1 FOR UPDATE`, [target!.id]);
    const cancel = store.jobCancel({ id: target!.id }); // waits for our row lock on the pool's one connection
    await sleep(100);
    const error = await store.jobGet({ id: target!.id }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^the PostgreSQL connection pool is exhausted: its 1 connection stayed busy for 300 ms/);
    await client.query('ROLLBACK');
    expect(await cancel).toEqual({ state: 'cancelled', cancelRequested: false });
  });
});
