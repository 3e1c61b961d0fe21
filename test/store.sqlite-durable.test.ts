/**
 * What only the SQLite engine promises of durable functions, beyond the shared contract: a
 * function released while its wait is already over (the event emitted, or the child ended,
 * while the function still ran and so could not be woken) is due at once, not at its
 * timeout; and the wake statements read indexes, not the jobs table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { WAIT_OVER, WAKE_PARENT, WAKE_WAITERS } from '../src/store/sqlite/sql/workflows-wake.js';
import { DAY, HOUR, checkpoint, claimAll, claimMain, eventWait, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { stepFinish } from './store-contract/workflows-support.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function openStore(): Promise<{ store: Store; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-sqlite-durable-'));
  dirs.push(dir);
  const path = join(dir, 'ordo.db');
  const store = createSqliteStore({ path });
  stores.push(store);
  await store.migrate();
  return { store, path };
}

it('a function released after its event was emitted is due at once; one released before is not', async () => {
  const { store } = await openStore();
  await store.workflowStart({ definition: functionDef(), input: 'early' });
  const early = await claimMain(store);
  expect(await writeAs(store, early, eventWait(0, 'paid', new Date()))).toBe(true);
  // The emit finds the job running: it cannot wake it.
  expect(await store.eventEmit({ key: 'paid', payload: 1, keepMs: HOUR })).toEqual({ stored: true, woken: 0 });
  await release(store, early, DAY);
  expect((await claimAll(store, 'q')).map((j) => j.id)).toEqual([early.id]);

  await store.workflowStart({ definition: functionDef('late', 'late-q'), input: 'late' });
  const late = await claimMain(store, 'late-q');
  expect(await writeAs(store, late, eventWait(0, 'shipped', new Date()))).toBe(true);
  await release(store, late, DAY);
  expect(await claimAll(store, 'late-q')).toEqual([]);
});

it('a parent released after its child ended is due at once', async () => {
  const { store } = await openStore();
  const parent = await store.workflowStart({ definition: functionDef('parent', 'pq'), input: null });
  const main = await claimMain(store, 'pq');
  const child = await store.workflowStart({ definition: functionDef('child', 'cq'), input: null, parentRunId: parent.runId });
  const spawnWait = checkpoint(0, { name: 'child', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId });
  expect(await writeAs(store, main, spawnWait)).toBe(true);
  // The child ends while its parent still runs (its wake finds no pending job).
  const childJob = await claimMain(store, 'cq');
  await store.jobFinishMany({ finishes: [stepFinish(childJob, { state: 'succeeded', outcome: 'succeeded', result: 42 })] });
  expect((await store.workflowRunGet({ id: child.runId }))?.state).toBe('succeeded');
  await release(store, main, DAY);
  expect((await claimAll(store, 'pq')).map((j) => j.id)).toEqual([main.id]);
});

it('the wake statements read indexes, not the jobs or checkpoints tables', async () => {
  const { store, path } = await openStore();
  await store.workflowStart({ definition: functionDef(), input: null });
  const db = new Database(path, { readonly: true });
  const plan = (sql: string, params: Record<string, unknown>): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail).join('\n');
  try {
    expect(plan(WAKE_WAITERS, { key: 'k', now: 0 })).toMatch(/SEARCH jobs USING INDEX jobs_run[\s\S]*run_checkpoints_event/);
    expect(plan(WAKE_PARENT, { parentRunId: 1, now: 0 })).toContain('SEARCH jobs USING INDEX jobs_run');
    const waitOver = plan(WAIT_OVER, { jobId: 1, runId: 1, now: 0 });
    expect(waitOver).toContain('SEARCH jobs USING INTEGER PRIMARY KEY');
    expect(waitOver).toContain('SEARCH k USING PRIMARY KEY (run_id=?)');
    expect(waitOver).not.toMatch(/SCAN/);
  } finally {
    db.close();
  }
});
