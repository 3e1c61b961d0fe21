/**
 * Workflows on the PostgreSQL engine, beyond the contract: a finish of a run's job applies
 * only with its run id (the one-statement path of plain batches never moves a run's job); the
 * lock order (runs before jobs) holds under every operation that ends jobs at once from
 * several stores, so nothing dies as a deadlock victim; the statements over a run's jobs
 * read the `jobs_run` index, never a scan of every job; a 10,000-element map fans out in
 * the finishing transaction and in again with its results in order; a start inside the
 * caller's transaction exists, and wakes workers, if and only if the caller commits.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { aggregateMapSql } from '../src/store/postgres/sql/workflows-advance.js';
import { cancelJobsSql } from '../src/store/postgres/sql/workflows-apply.js';
import { after, claimStep, definition, diamond, mapOver, mustGetRun, queueOf, stepDef, stepFinish, stepOf, succeedStep } from './store-contract/workflows-support.js';
import { finishOf, job } from './support/jobs.js';
import { freshSchema, heardQueues, testUrl, usePostgres } from './support/postgres.js';
import { sleep, waitUntil } from './support/wait.js';
import { type PlanNode, planNodes } from './support/plans.js';

const LEASE_MS = 60_000;

/** r → x1..x4 (continue) → sink (continue): four middle steps whose ends may race. */
const wide = definition('wide', [
  stepDef('r'),
  ...['x1', 'x2', 'x3', 'x4'].map((name) => stepDef(name, { dependsOn: after('continue', 'r') })),
  stepDef('sink', { dependsOn: after('continue', 'x1', 'x2', 'x3', 'x4') }),
]);

async function claimAll(store: Store, queues: string[], workerId: string, limit = 1000): Promise<JobRecord[]> {
  return store.jobClaim({ workerId, queues, limit, leaseMs: LEASE_MS });
}

describe('postgres workflows', () => {
  const pgs = usePostgres();

  it('applies the finish of a run’s job only with its run id; a plain job in the same batch needs none', async () => {
    const store = await pgs.open();
    const { runId } = await store.workflowStart({ definition: diamond(), input: null });
    await store.jobInsertMany({ jobs: [job({ queue: queueOf('a') })] });
    const [stepJob, plain] = await claimAll(store, [queueOf('a')], 'w');
    expect(stepJob!.workflow).toEqual({ runId, step: 'a', mapIndex: null });
    expect(plain!.workflow).toBeNull();

    const without = await store.jobFinishMany({ finishes: [finishOf(stepJob!), finishOf(plain!)] });
    expect(without.applied).toEqual([plain!.id]);
    expect((await store.jobGet({ id: stepJob!.id }))?.state).toBe('running');
    expect(stepOf(await mustGetRun(store, runId), 'a').state).toBe('active');

    const wrongRun = await store.jobFinishMany({ finishes: [finishOf(stepJob!, { runId: String(Number(runId) + 1) })] });
    expect(wrongRun.applied).toEqual([]);
    const withRun = await store.jobFinishMany({ finishes: [stepFinish(stepJob!, { result: 1 })] });
    expect(withRun.applied).toEqual([stepJob!.id]);
    expect(stepOf(await mustGetRun(store, runId), 'a')).toMatchObject({ state: 'succeeded', result: 1 });
  });

  it('ends jobs of the same runs from several stores at once without a deadlock (runs locked before jobs)', async () => {
    const schema = freshSchema('wfl');
    const [a, b, c, d] = (await Promise.all(Array.from({ length: 4 }, () => pgs.open({ schema, poolSize: 4 })))) as Store[] as [Store, Store, Store, Store];
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => a.workflowStart({ definition: wide, input: { round, i } })));
      const roots = await claimAll(a, [queueOf('r')], 'wa');
      await a.jobFinishMany({ finishes: roots.reverse().map((r) => stepFinish(r, { result: r.id })) });
      // Two workers hold the x1/x2 jobs of every run; x3 and x4 stay pending.
      const one = await claimAll(a, [queueOf('x1')], 'w1');
      const two = await claimAll(b, [queueOf('x2')], 'w2');
      const x4 = (await a.jobList({ filter: { queue: queueOf('x4'), state: 'pending' }, page: { limit: 100 } })).jobs;
      expect(one).toHaveLength(12);

      const outcomes = await Promise.allSettled([
        // Batches naming many runs, in opposite orders.
        a.jobFinishMany({ finishes: one.map((j) => stepFinish(j, { result: 1 })) }),
        b.jobFinishMany({ finishes: [...two].reverse().map((j, k) => stepFinish(j, k % 3 === 0 ? { state: 'failed', outcome: 'failed', error: { message: 'no' } } : { result: 2 })) }),
        c.jobBulk({ action: 'cancel', filter: { queue: queueOf('x3') } }),
        ...x4.slice(0, 6).map((j) => d.jobCancel({ id: j.id })),
        ...runs.slice(0, 4).reverse().map((r) => d.workflowRunCancel({ id: r.runId })),
        c.jobRescueExpired({}),
      ]);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);

      // Whatever the interleaving, every run is consistent: the sink released at most once,
      // a cancelled run has no pending job, a succeeded step's job succeeded.
      for (const { runId } of runs) {
        const run = await mustGetRun(a, runId);
        const { jobs } = await a.jobList({ filter: {}, page: { limit: 1000 } });
        const own = jobs.filter((j) => j.workflow?.runId === runId);
        expect(own.filter((j) => j.workflow?.step === 'sink').length, `run ${runId}`).toBeLessThanOrEqual(1);
        if (run.state === 'cancelled') expect(own.filter((j) => j.state === 'pending'), `run ${runId}`).toEqual([]);
        for (const step of run.steps) if (step.state === 'succeeded' && step.jobId !== null) expect(step.jobState).toBe('succeeded');
      }
      await Promise.all(runs.map((r) => a.workflowRunCancel({ id: r.runId })));
      await a.jobBulk({ action: 'delete', filter: {} });
      await a.jobBulk({ action: 'cancel', filter: {} });
    }
  }, 60_000);

  it('reads a run’s jobs through jobs_run for the fan-in and the cancellation of a step, for a call’s values and generically', async () => {
    const schema = freshSchema('wfp');
    await pgs.open({ schema });
    const s = `"${schema}"`;
    await pgs.admin(`
      INSERT INTO ${s}.jobs (task, queue, payload, state, run_at, created_at, max_attempts, finished_at, run_id, step, map_index, result)
      SELECT 't', 'q' || (i % 3), '{}', CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'succeeded' END, now(), now(), 1, now(),
             CASE WHEN i <= 1000 THEN 7 END, CASE WHEN i <= 1000 THEN 'm' END, CASE WHEN i <= 1000 THEN i END, to_jsonb(i)
      FROM generate_series(1, 30000) AS i`);
    await pgs.admin(`VACUUM ANALYZE ${s}.jobs`);
    const [server] = await pgs.admin<{ version: number }>(`SELECT current_setting('server_version_num')::integer AS version`);
    const statements: [string, string, unknown[]][] = [
      ['fan-in', aggregateMapSql(s), [['7'], ['m']]],
      ['cancel a step', cancelJobsSql(s), ['7', ['m']]],
    ];
    for (const [name, text, values] of statements) {
      const plans = [await explain(`EXPLAIN (FORMAT JSON) ${text}`, values)];
      if ((server?.version ?? 0) >= 160000) plans.push(await explain(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${text}`, []));
      for (const plan of plans) {
        const all = planNodes(plan);
        expect(all.filter((node) => node['Relation Name'] === 'jobs' && node['Node Type'] === 'Seq Scan'), `${name}: a sequential scan of jobs`).toEqual([]);
        expect(all.map((node) => node['Index Name']).filter(Boolean), name).toContain('jobs_run');
      }
    }
  });

  it('fans out 10,000 elements in the finishing transaction and in again, results in element order', async () => {
    const store = await pgs.open({ poolSize: 4 });
    const n = 10_000;
    const { runId } = await store.workflowStart({ definition: mapOver(), input: null });
    const started = performance.now();
    await succeedStep(store, 'src', Array.from({ length: n }, (_, i) => i));
    const fannedOut = performance.now() - started;
    expect(stepOf(await mustGetRun(store, runId), 'm')).toMatchObject({ state: 'active', mapTotal: n, mapDone: 0 });

    const fanIn = performance.now();
    for (let done = 0; done < n; ) {
      const batch = await claimAll(store, [queueOf('m')], 'w', 500);
      // Finished out of order, as many workers would.
      await store.jobFinishMany({ finishes: batch.reverse().map((j) => stepFinish(j, { result: { i: j.workflow!.mapIndex } })) });
      done += batch.length;
    }
    const fannedIn = performance.now() - fanIn;
    const sink = await claimStep(store, 'sink');
    const inputs = await store.workflowStepInputs({ runId, step: 'sink' });
    const results = inputs?.parents.m?.result as { i: number }[];
    expect(results).toHaveLength(n);
    expect(results.every((r, i) => r.i === i)).toBe(true);
    expect(sink.workflow).toEqual({ runId, step: 'sink', mapIndex: null });
    // Generous bounds for a shared CI machine; measured here: about 0.3 s out, 4 s in.
    expect(fannedOut, 'fan-out of 10,000 (ms)').toBeLessThan(10_000);
    expect(fannedIn, 'claims and finishes of 10,000 map jobs (ms)').toBeLessThan(60_000);
  }, 120_000);

  it('starts a run inside the caller’s transaction: it exists, with its root’s job and wake-up, only once the caller commits', async () => {
    const store = await pgs.open();
    const heard = await heardQueues(store);
    const client = new pg.Client({ connectionString: testUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      const rolledBack = await store.workflowStart({ definition: diamond(), input: 1, register: true, tx: client });
      await client.query('ROLLBACK');
      expect(await store.workflowRunGet({ id: rolledBack.runId })).toBeNull();
      expect(await store.workflowGet({ name: 'diamond' })).toBeNull();

      await client.query('BEGIN');
      const { runId, created } = await store.workflowStart({ definition: diamond(), input: 2, register: true, tx: client, uniqueKey: 'once' });
      expect(created).toBe(true);
      expect(await store.workflowRunGet({ id: runId })).toBeNull();
      await sleep(50);
      expect(heard).toEqual([]);
      await client.query('COMMIT');
      expect((await mustGetRun(store, runId)).input).toBe(2);
      expect(await store.workflowGet({ name: 'diamond' })).not.toBeNull();
      await waitUntil(() => heard.includes(queueOf('a')), 3000, 'the signal delivered at COMMIT');
      expect(await store.workflowStart({ definition: diamond(), input: 3, uniqueKey: 'once' })).toEqual({ runId, created: false });
    } finally {
      await client.end();
    }
  });

  async function explain(text: string, values: unknown[]): Promise<PlanNode> {
    const [row] = await pgs.admin<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(text, values);
    return row!['QUERY PLAN'][0].Plan;
  }
});
