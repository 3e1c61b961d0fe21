/**
 * What only the SQLite engine's workflows promise, beyond the shared contract: a version 6
 * database upgrades (its jobs kept, belonging to no run; runs can start at once); the
 * statements that walk a run's jobs read the `jobs_run` index and retention reads its own
 * index; and a 10,000-way map fans out in the finishing transaction and fans in with its
 * results in element order, each element's finish costing one counter update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/types.js';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { PRUNE_JOBS, PRUNED_RUNS } from '../src/store/sqlite/sql/jobs-prune.js';
import { COUNT_ELEMENT, MAP_RESULTS } from '../src/store/sqlite/sql/workflows-advance.js';
import { MAP_COUNTS } from '../src/store/sqlite/sql/workflows-read.js';
import { mapOver, queueOf, stepFinish } from './store-contract/workflows-support.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-sqlite-wf-'));
  dirs.push(dir);
  return join(dir, 'ordo.db');
}

async function open(path: string): Promise<Store> {
  const store = createSqliteStore({ path });
  stores.push(store);
  await store.migrate();
  return store;
}

/** src → m (one job per element of src's result) → sink. */
const fan = mapOver();

const claim = (store: Store, stepName: string, limit = 1): Promise<JobRecord[]> => store.jobClaim({ workerId: 'w', queues: [queueOf(stepName)], limit, leaseMs: 600_000 });

it('upgrades a version 6 database: its jobs kept, of no run; a run starts at once', async () => {
  const path = tempPath();
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
  }
  const old = db.prepare(`INSERT INTO jobs (task, queue, payload, state, run_at, created_at, max_attempts) VALUES ('t', 'default', '{}', 'pending', 0, 0, 3)`).run().lastInsertRowid;
  db.close();

  const store = await open(path);
  expect(await store.jobGet({ id: String(old) })).toMatchObject({ state: 'pending', workflow: null });
  const { runId, created } = await store.workflowStart({ definition: fan, input: { n: 1 } });
  expect(created).toBe(true);
  const [src] = await claim(store, 'src');
  expect(src).toMatchObject({ payload: { n: 1 }, workflow: { runId, step: 'src', mapIndex: null } });

  const check = new Database(path, { readonly: true });
  const versions = check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
  check.close();
  expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

describe.each([false, true])('sqlite workflow plans (analysed: %s)', (analysed) => {
  it('walks a run’s jobs on jobs_run; prunes runs on workflow_runs_finished (their jobs on jobs_run) and other jobs still on jobs_finished', async () => {
    const path = tempPath();
    await (await open(path)).close();
    const db = new Database(path);
    try {
      fill(db);
      if (analysed) db.exec('ANALYZE');
      const plan = (sql: string, ...params: unknown[]): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join('\n');
      expect(plan(MAP_RESULTS, 1, 'm')).toMatch(/SEARCH jobs USING INDEX jobs_run \(run_id=\? AND step=\? AND map_index>\?\)/);
      expect(plan(MAP_COUNTS, 1)).toMatch(/SEARCH jobs USING INDEX jobs_run \(run_id=\?\)/);
      expect(plan(COUNT_ELEMENT, 1, 'm')).toContain('SEARCH workflow_steps USING PRIMARY KEY (run_id=? AND step=?)');
      const prunedRuns = plan(PRUNED_RUNS, { cutoff: 1, limit: 10 });
      expect(prunedRuns).toContain('SEARCH r USING INDEX workflow_runs_finished (finished_at<?)');
      expect(prunedRuns).toContain('SEARCH j USING INDEX jobs_run (run_id=?)');
      expect(plan(PRUNE_JOBS, { cutoff: 1, limit: 10 })).toContain('SEARCH jobs USING INDEX jobs_finished (finished_at<?)');
    } finally {
      db.close();
    }
  });
});

/** Plain finished jobs, and a few runs with a map step of many jobs. */
function fill(db: Database.Database): void {
  const job = db.prepare(`INSERT INTO jobs (task, queue, payload, state, run_at, created_at, max_attempts, finished_at, run_id, step, map_index)
    VALUES ('t', 'q', '{}', 'succeeded', 0, 0, 1, ?, ?, ?, ?)`);
  const run = db.prepare(`INSERT INTO workflow_runs (workflow, state, input, definition, created_at, finished_at) VALUES ('fan', ?, 'null', '{}', 0, ?)`);
  const stepRow = db.prepare(`INSERT INTO workflow_steps (run_id, step, state) VALUES (?, 'm', 'active')`);
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) job.run(i, null, null, null);
    for (let r = 0; r < 20; r++) {
      const runId = run.run(r % 2 ? 'running' : 'succeeded', r % 2 ? null : r).lastInsertRowid;
      stepRow.run(runId);
      for (let i = 0; i < 100; i++) job.run(i, runId, 'm', i);
    }
  })();
}

it('fans out 10,000 elements in the finishing transaction and in again, results in element order', async () => {
  const store = await open(tempPath());
  const { runId } = await store.workflowStart({ definition: fan, input: null });
  const [src] = await claim(store, 'src');
  const elements = Array.from({ length: 10_000 }, (_, i) => i);

  let started = performance.now();
  await store.jobFinishMany({ finishes: [stepFinish(src!, { result: elements })] });
  const fanOutMs = performance.now() - started;
  const expanded = (await store.workflowRunGet({ id: runId }))!;
  expect(expanded.steps.find((s) => s.step === 'm')).toMatchObject({ state: 'active', mapTotal: 10_000, mapDone: 0, mapJobs: { pending: 10_000 } });

  // Claimed newest-last and finished in reverse, so element order is the store's doing.
  started = performance.now();
  const batches: JobRecord[][] = [];
  for (let claimed = await claim(store, 'm', 500); claimed.length > 0; claimed = await claim(store, 'm', 500)) batches.push(claimed);
  for (const batch of batches.reverse()) {
    await store.jobFinishMany({ finishes: batch.map((job) => stepFinish(job, { result: { square: job.workflow!.mapIndex! ** 2 } })) });
  }
  const fanInMs = performance.now() - started;

  const [sink] = await claim(store, 'sink');
  expect(sink).toBeDefined();
  const run = (await store.workflowRunGet({ id: runId }))!;
  const m = run.steps.find((s) => s.step === 'm')!;
  expect(m).toMatchObject({ state: 'succeeded', mapDone: 10_000, mapJobs: { succeeded: 10_000 } });
  expect(m.result).toEqual(elements.map((i) => ({ square: i ** 2 })));
  expect((await store.workflowStepInputs({ runId, step: 'sink' }))!.parents['m']!.result).toHaveLength(10_000);
  // Generous bounds for a shared machine: this measures no regression, it catches a per-element reload.
  expect(fanOutMs).toBeLessThan(5_000);
  expect(fanInMs).toBeLessThan(20_000);
}, 60_000);
