/**
 * The claim is a named statement, and what it costs the database depends on which plan
 * PostgreSQL keeps for it: planned again on every run, the planning alone cost more than the
 * claim itself. It must settle on the generic plan, and that plan must walk the queue as the
 * custom one does: seeks in claim order, never a read of the delayed jobs.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { claimSql } from '../src/store/postgres/sql/jobs-claim.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';
import { type PlanNode, findNode, indexesUnder } from './support/plans.js';

/** The claim's parameters: worker, queues, limit, lease ms. */
type ClaimValues = [string, string[], number, number];

/** Runs `fn` on a connection of its own inside a transaction that is rolled back: nothing is claimed for good. */
async function rolledBack<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testUrl() });
  await client.connect();
  try {
    await client.query('BEGIN');
    return await fn(client);
  } finally {
    await client.query('ROLLBACK');
    await client.end();
  }
}

describe('postgres claim plan cache', () => {
  const pgs = usePostgres();

  it('settles on the generic plan, so a claim is not planned again on every run', async () => {
    const schema = freshSchema('generic');
    const store = await pgs.open({ schema });
    await store.jobInsertMany({ jobs: Array.from({ length: 2000 }, () => job({})) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const plans = await rolledBack(async (client) => {
      // Claim sizes as a worker's free slots make them; a custom plan per size looked cheaper before.
      for (const limit of [10, 3, 10, 7, 10, 1, 10, 5, 10, 10]) {
        const values: ClaimValues = ['w', ['default'], limit, 60_000];
        const { rows } = await client.query({ name: 'claim', text: claimSql(`"${schema}"`), values });
        expect(rows).toHaveLength(limit);
      }
      const { rows } = await client.query(`SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'claim'`);
      return rows[0] as { generic_plans: string; custom_plans: string };
    });
    // PostgreSQL plans the first five runs; from then on it keeps the generic plan.
    expect(Number(plans.custom_plans)).toBe(5);
    expect(Number(plans.generic_plans)).toBe(5);
  }, 60_000);

  it('in the generic plan, never reads the delayed jobs, idle or claiming due jobs that rank after them', async () => {
    const schema = freshSchema('generic');
    const store = await pgs.open({ schema });
    const delayed = (k: number) => job({ priority: k % 3, delayMs: 3_600_000 + k });
    for (let i = 0; i < 6; i++) await store.jobInsertMany({ jobs: Array.from({ length: 10_000 }, (_, k) => delayed(k)) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);

    const explain = (queues: string[]) =>
      rolledBack(async (client) => {
        await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
        await client.query(`PREPARE claim(text, text[], integer, integer) AS ${claimSql(`"${schema}"`)}`);
        // EXECUTE takes no bind parameters: the values as literals.
        const names = queues.map((queue) => client.escapeLiteral(queue)).join(', ');
        const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE claim('w', ARRAY[${names}], 50, 60000)`);
        const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
        const picked = findNode(plan, (node) => node['Subplan Name'] === 'CTE picked');
        return { rows: plan['Actual Rows'], pages: picked['Shared Hit Blocks'] + picked['Shared Read Blocks'] };
      });

    const idle = await explain(['high', 'default', 'low']);
    expect(idle.rows).toBe(0);
    expect(idle.pages).toBeLessThan(20);

    await store.jobInsertMany({ jobs: Array.from({ length: 5000 }, () => job({ priority: 5 })) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const busy = await explain(['default']);
    expect(busy.rows).toBe(50);
    // As the custom plan (postgres.claim.test.ts): ~80 pages, most of them locking the 50 rows.
    expect(busy.pages).toBeLessThan(150);
  }, 60_000);

  it('in the generic plan, updates the picked rows found by primary key, even planned when few jobs were pending', async () => {
    const schema = freshSchema('generic');
    const store = await pgs.open({ schema });
    // Statistics taken while nothing is pending (every job done), then a burst arrives.
    await store.jobInsertMany({ jobs: Array.from({ length: 2000 }, () => job({})) });
    const done = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 2000, leaseMs: 60_000 });
    await store.jobFinishMany({ finishes: done.map((item) => finishOf(item)) });
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    await store.jobInsertMany({ jobs: Array.from({ length: 5000 }, () => job({})) });
    const indexes = await rolledBack(async (client) => {
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE claim(text, text[], integer, integer) AS ${claimSql(`"${schema}"`)}`);
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim('w', ARRAY['default'], 10, 60000)`);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      expect(plan['Actual Rows']).toBe(10);
      // The UPDATE's own scan (its child that is not the picking CTE) and what it reads under it.
      const scan = (plan.Plans ?? []).filter((node) => node['Subplan Name'] === undefined);
      return scan.flatMap(indexesUnder);
    });
    // Through jobs_claim, it would read every pending entry to find the 10 ids.
    expect(indexes).toEqual(['jobs_pkey']);
  }, 60_000);
});

