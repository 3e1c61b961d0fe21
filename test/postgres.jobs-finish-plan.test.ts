/**
 * The finish's generic plan, which the named statement runs from its sixth call on: it finds
 * the batch by primary key, whatever the statistics say about the running jobs. Planned when
 * an ANALYZE counted none running, a state test written as a constant let it read the batch
 * through jobs_running instead, filtering every running job of the table by id.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { finishSql } from '../src/store/postgres/sql/jobs-finish.js';
import { job } from './support/jobs.js';
import { freshSchema, testUrl, usePostgres } from './support/postgres.js';
import { type PlanNode, planNodes } from './support/plans.js';

describe('postgres finish plan', () => {
  const pgs = usePostgres();

  it('finds the batch by primary key in the generic plan, not by reading every running job', async () => {
    const schema = freshSchema('finish');
    const store = await pgs.open({ schema });
    await store.jobInsertMany({ jobs: Array.from({ length: 3000 }, () => job({})) });
    // Statistics taken while nothing runs, as after a quiet spell.
    await pgs.admin(`ANALYZE "${schema}".jobs`);
    const running = [];
    for (let i = 0; i < 6; i++) running.push(...(await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 500, leaseMs: 60_000 })));
    expect(running).toHaveLength(3000);

    const batch = running.slice(0, 10);
    const array = (values: readonly (string | number | boolean | null)[]): string =>
      client.escapeLiteral(`{${values.map((value) => (value === null ? 'NULL' : JSON.stringify(String(value)))).join(',')}}`);
    const client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE finish AS ${finishSql(`"${schema}"`, false)}`);
      const args = [
        array(batch.map((item) => item.id)),
        array(batch.map((item) => item.attempt)),
        array(batch.map(() => 'w')),
        array(batch.map(() => 'succeeded')),
        array(batch.map(() => false)),
        array(batch.map(() => 0)),
        array(batch.map(() => '1')),
        array(batch.map(() => null)),
        array(batch.map((item) => `{"attempt":${item.attempt},"outcome":"succeeded"`)),
        array(batch.map(() => null)),
      ];
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE finish(${args.join(', ')}, 'ordo_test')`);
      const plan = (rows[0] as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
      expect(plan['Actual Rows']).toBe(10);
      const scans = planNodes(plan).filter((node) => node['Index Name'] !== undefined);
      expect(scans.map((node) => node['Index Name'])).toEqual(['jobs_pkey']);
      // Measured: 121 pages, the 10 rows and their new index entries; through jobs_running, 3,000 rows' pages more.
      const update = planNodes(plan).find((node) => node['Node Type'] === 'ModifyTable') as PlanNode;
      expect(update['Shared Hit Blocks'] + update['Shared Read Blocks']).toBeLessThan(400);
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  }, 60_000);
});
