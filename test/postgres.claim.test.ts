/**
 * Claims on PostgreSQL under real concurrency: several stores (each its own pool, as separate
 * processes would have) claiming in parallel never receive the same job, and together they
 * drain the queues exactly once; finishing in batches from the same pools loses nothing.
 * And the claim's plan: pages read do not grow with the delayed jobs waiting in a queue.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import { claimSql } from '../src/store/postgres/sql/jobs-claim.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';
import { type PlanNode, findNode } from './support/plans.js';

const STORES = 4;
const CLAIMERS_PER_STORE = 3;
const JOBS = 1200;

describe('postgres claims in parallel', () => {
  const pgs = usePostgres();

  it('never hands one job to two claimers, and drains every job once', async () => {
    const schema = freshSchema('clm');
    const stores = await Promise.all(Array.from({ length: STORES }, () => pgs.open({ schema, poolSize: CLAIMERS_PER_STORE })));
    const queues = ['high', 'default', 'low'];
    const jobs = Array.from({ length: JOBS }, (_, i) => job({ queue: queues[i % 3]!, priority: i % 4 }));
    const inserted = await stores[0]!.jobInsertMany({ jobs });

    const claimed: JobRecord[] = [];
    const claimer = async (storeIndex: number, n: number): Promise<void> => {
      const store = stores[storeIndex]!;
      const workerId = `w${storeIndex}.${n}`;
      for (;;) {
        const batch = await store.jobClaim({ workerId, queues, limit: 1 + ((storeIndex + n) % 7), leaseMs: 60_000 });
        if (batch.length === 0) return;
        claimed.push(...batch);
        const { applied } = await store.jobFinishMany({ finishes: batch.map((running) => finishOf(running)) });
        expect(applied.sort()).toEqual(batch.map((running) => running.id).sort());
      }
    };
    await Promise.all(stores.flatMap((_, s) => Array.from({ length: CLAIMERS_PER_STORE }, (_, n) => claimer(s, n))));

    const ids = claimed.map((job) => job.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(inserted.map((r) => r.id).sort());
    expect(claimed.every((job) => job.attempt === 1)).toBe(true);
    const stats = await stores[1]!.queueStats();
    expect(stats.map((q) => [q.queue, q.succeeded, q.pending, q.running])).toEqual([
      ['default', JOBS / 3, 0, 0],
      ['high', JOBS / 3, 0, 0],
      ['low', JOBS / 3, 0, 0],
    ]);
  });

  it('skips rows another claimer holds instead of waiting for them', async () => {
    const schema = freshSchema('clm');
    const [a, b] = await Promise.all([pgs.open({ schema }), pgs.open({ schema })]);
    await a!.jobInsertMany({ jobs: [job({ priority: 0 }), job({ priority: 1 })] });
    // Hold the first job's row lock in an open transaction, as a slow claimer would.
    const locker = await pgs.admin<{ id: string }>(`SELECT id FROM "${schema}".jobs ORDER BY priority LIMIT 1`);
    const client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM "${schema}".jobs WHERE id = $1 FOR UPDATE`, [locker[0]!.id]);
      const started = Date.now();
      const got = await b!.jobClaim({ workerId: 'w', queues: ['default'], limit: 2, leaseMs: 60_000 });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(got.map((job) => job.priority)).toEqual([1]);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});

describe('postgres claim plan', () => {
  const pgs = usePostgres();

  /** Runs the claim under EXPLAIN ANALYZE in a rolled-back transaction: rows claimed, pages read choosing them. */
  async function explainClaim(schema: string, queues: string[]): Promise<{ rows: number; pages: number }> {
    const client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${claimSql(`"${schema}"`)}`, ['w', queues, 50, 60_000]);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      // The CTE that picks the ids; the UPDATE of the picked rows costs the same either way.
      const picked = findNode(plan, (node) => node['Subplan Name'] === 'CTE picked');
      return { rows: plan['Actual Rows'], pages: picked['Shared Hit Blocks'] + picked['Shared Read Blocks'] };
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  }

  it('never reads the delayed jobs, idle or claiming due jobs that rank after them', async () => {
    const schema = freshSchema('plan');
    const store = await pgs.open({ schema });
    const delayed = (k: number) => job({ priority: k % 3, delayMs: 3_600_000 + k });
    for (let i = 0; i < 6; i++) await store.jobInsertMany({ jobs: Array.from({ length: 10_000 }, (_, k) => delayed(k)) });
    await pgs.admin(`ANALYZE "${schema}".jobs`); // what autovacuum does for a table this busy

    const idle = await explainClaim(schema, ['high', 'default', 'low']);
    expect(idle.rows).toBe(0);
    expect(idle.pages).toBeLessThan(20);

    await store.jobInsertMany({ jobs: Array.from({ length: 5000 }, () => job({ priority: 5 })) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const busy = await explainClaim(schema, ['default']);
    expect(busy.rows).toBe(50);
    // Measured: 83 pages, most of them locking the 50 rows; walking the 60,000 delayed index
    // entries first (the claim before levels) read 489.
    expect(busy.pages).toBeLessThan(150);
  }, 60_000);
});

