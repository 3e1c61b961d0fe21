/**
 * PostgreSQL plans of the reads that run on every poll, scrape and refresh (jobChanges,
 * queueStats, the execution walk, the dashboard's throughput) and of the pruner, as planned for the values of a call
 * and as the generic plan a named statement switches to: with many finished rows, each
 * reads the rows it is about through an index, never by filtering a sequential scan of the
 * table. (queueStats' counts per state visit every row by nature: a plain scan is fine.)
 */
import { describe, expect, it } from 'vitest';
import { chunkSql } from '../src/store/postgres/sql/executions.js';
import { changesSql } from '../src/store/postgres/sql/jobs-changes.js';
import { pruneSql } from '../src/store/postgres/sql/jobs-prune.js';
import { throughputSql } from '../src/store/postgres/sql/jobs-throughput.js';
import { statsSql } from '../src/store/postgres/sql/queues.js';
import { freshSchema, usePostgres } from './support/postgres.js';
import { type PlanNode, planNodes } from './support/plans.js';

describe('postgres plans of the listings and the pruner', () => {
  const pg = usePostgres();

  it('read jobs by index only, for a call’s values and as generic plans', async () => {
    const schema = freshSchema('plans');
    await pg.open({ schema });
    const s = `"${schema}"`;
    await pg.admin(`
      INSERT INTO ${s}.jobs (task, queue, payload, state, run_at, created_at, max_attempts, attempt, started_at, finished_at, attempts)
      SELECT 't', 'q' || (i % 3), '{}', CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'succeeded' END, f, f, 3, 1, f, f,
             jsonb_build_array(jsonb_build_object('attempt', 1, 'finishedAt', '2030-01-01T00:00:00.000Z', 'outcome', 'succeeded'))
      FROM generate_series(1, 20000) AS i, LATERAL (SELECT now() - i * interval '1 second' AS f) AS t`);
    await pg.admin(`INSERT INTO ${s}.jobs (task, queue, payload, state, run_at, created_at, max_attempts, attempt, started_at, locked_until)
      SELECT 't', 'q0', '{}', 'running', now(), now(), 3, 1, now(), now() + interval '1 minute' FROM generate_series(1, 20)`);
    await pg.admin(`VACUUM ANALYZE ${s}.jobs`);
    const [server] = await pg.admin<{ version: number }>(`SELECT current_setting('server_version_num')::integer AS version`);
    const version = server?.version ?? 0;

    const hour = new Date(Date.now() - 3_600_000);
    const statements: [string, string, unknown[], string[]][] = [
      ['jobChanges', changesSql(s), ['100', hour, new Date(), 1000], ['jobs_pkey', 'jobs_running', 'jobs_finished']],
      ['jobPrune', pruneSql(s), [86_400_000 * 7, 1000], ['jobs_finished', 'jobs_pkey', 'jobs_run']],
      ['queueStats', statsSql(s), [3_600_000], ['jobs_due', 'jobs_finished']],
      ['executionList', chunkSql(s, 'AND finished_at >= $4::timestamptz', 'true'), ['infinity', '0', 110, hour], ['jobs_finished']],
      ['jobThroughput', throughputSql(s, false), [hour, new Date(), 60_000], ['jobs_finished']],
      ['jobThroughput by queue', throughputSql(s, true), [hour, new Date(), 60_000, 'q1'], ['jobs_finished']],
    ];
    for (const [name, text, values, indexes] of statements) {
      const plans = [await explain(`EXPLAIN (FORMAT JSON) ${text}`, values)];
      // EXPLAIN (GENERIC_PLAN) came with PostgreSQL 16; older servers plan for the values only.
      if (version >= 160000) plans.push(await explain(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${text}`, []));
      for (const plan of plans) {
        const all = planNodes(plan);
        const scans = all.filter((node) => node['Relation Name'] === 'jobs' && node['Node Type'] === 'Seq Scan');
        // queueStats' counts per state read every row by nature: a plain scan, no filter, is fine there.
        const filtering = name === 'queueStats' ? scans.filter((node) => node.Filter !== undefined) : scans;
        expect(filtering, `${name}: a sequential scan of jobs`).toEqual([]);
        // Bitmap index scans name their index but not the table: index names are the table's.
        const used = new Set(all.map((node) => node['Index Name']).filter((index) => index?.startsWith('jobs')));
        expect([...used].sort(), name).toEqual([...indexes, ...(name === 'queueStats' && used.has('jobs_queue_state') ? ['jobs_queue_state'] : [])].sort());
      }
    }
  }, 60_000);

  async function explain(text: string, values: unknown[]): Promise<PlanNode> {
    const [row] = await pg.admin<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(text, values);
    return row!['QUERY PLAN'][0].Plan;
  }
});
