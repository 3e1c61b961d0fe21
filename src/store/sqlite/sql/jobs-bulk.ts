/**
 * The dashboard's job operations on SQLite: jobBulk (cancel, retry or delete every job a
 * filter matches) and jobDelete (one job). Each runs in one IMMEDIATE transaction; a dry run
 * counts with the very conditions the action writes with, in a read transaction, so its count
 * is what the action would change on the same data.
 *
 * The moves are jobCancel's, jobRetry's and jobDeleteMany's (core/states.ts). A bulk retry
 * keeps enqueue's promise of one active job per unique key: a job whose key an active job
 * holds is left as it is, and of several matched jobs sharing a key only the newest runs again.
 *
 * Jobs of workflow runs: a cancelled pending one ends its step, so its run advances in the
 * same transaction; those of a running run are neither retried nor deleted (retry or cancel
 * the run), nor deleted one by one (workflows-guard.ts).
 *
 * Measured over 100,000 matching jobs (test/store.bulk-scale.test.ts, one call each): cancel
 * 0.5 s, retry 0.4–0.6 s, delete 0.5 s, each dry run 0.01–0.3 s (a payloadContains filter
 * walks every payload: 0.3 s). The write lock is held that long; workers wait it out (the
 * engine retries for up to 10 s).
 */
import type { BulkAction, JobState } from '../../../core/types.js';
import type { BulkQuery } from '../../bulk.js';
import type { SqliteConnection } from '../connection.js';
import { toRowId } from '../rows.js';
import { type FilterSql, where, whereClause } from './job-filter.js';
import { type EndedJob, advanceRuns } from './workflows-advance.js';
import { NOT_OF_A_RUN, assertNotAStep } from './workflows-guard.js';

/** Statement texts of one action over the matched jobs (`matched`: the filter and the action's states). */
const ACTIONS = {
  // Pending jobs end cancelled now; running ones not yet asked are asked (as jobCancel).
  cancel: {
    selected: (matched: string): string => `SELECT id FROM jobs ${matched} AND (state = 'pending' OR cancel_requested = 0)`,
    write: (matched: string): string => `
      UPDATE jobs SET
        finished_at = CASE WHEN state = 'pending' THEN @now ELSE finished_at END,
        cancel_requested = CASE WHEN state = 'running' THEN 1 ELSE cancel_requested END,
        state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END,
        -- Out of pending, a debounce key means nothing (see jobs-claim.ts); a running job has none.
        debounce_key = NULL
      ${matched} AND (state = 'pending' OR cancel_requested = 0)
      RETURNING id, state, run_id, step, map_index`,
  },
  // Failed and cancelled jobs due now, as jobRetry; `retried` picks them (see the header).
  retry: {
    selected: (matched: string): string => `${RETRIED(matched)} SELECT id FROM retried`,
    write: (matched: string): string => `
      ${RETRIED(matched)}
      UPDATE jobs
      SET state = 'pending', run_at = @now, locked_until = NULL,
          cancel_requested = 0, max_attempts = MAX(max_attempts, attempt + 1)
      WHERE id IN (SELECT id FROM retried)
      RETURNING queue`,
  },
  // Every matched job: the action's states leave running ones out.
  delete: {
    selected: (matched: string): string => `SELECT id FROM jobs ${matched}`,
    write: (matched: string): string => `DELETE FROM jobs ${matched}`,
  },
} as const;

const RETRIED = (matched: string): string => `
  WITH candidates AS (SELECT id, unique_key FROM jobs ${matched}),
  retried AS (
    SELECT id FROM candidates WHERE unique_key IS NULL
    UNION ALL
    SELECT MAX(c.id) FROM candidates c WHERE c.unique_key IS NOT NULL GROUP BY c.unique_key
    HAVING NOT EXISTS (SELECT 1 FROM jobs a WHERE a.unique_key = c.unique_key AND a.state IN ('pending', 'running'))
  )`;

/** How many jobs the action changed (or, dry, would change), and the queues of retried jobs. */
export function bulkJobs(c: SqliteConnection, now: number, query: BulkQuery): { count: number; queues: string[] } {
  if (query.states.length === 0) return { count: 0, queues: [] };
  const filter = whereClause(query.filter);
  const { matched, args } = matching(filter, query.states, RUN_JOBS_LEFT_OUT[query.action]);
  const action = ACTIONS[query.action];
  if (query.dryRun) {
    const count = c.prepare(`SELECT COUNT(*) AS n FROM (${action.selected(matched)})`, !filter.shaped);
    return c.read(() => ({ count: (count.get(...args) as { n: number }).n, queues: [] }));
  }
  const write = c.prepare(action.write(matched), !filter.shaped);
  return c.write(() => {
    if (query.action === 'delete') return { count: write.run(...args, { now }).changes, queues: [] };
    if (query.action === 'cancel') return cancelled(c, now, write.all(...args, { now }) as CancelledRow[]);
    const queues = write.pluck().all(...args, { now }) as string[];
    return { count: queues.length, queues: [...new Set(queues)] };
  });
}

interface CancelledRow {
  id: number;
  state: JobState;
  run_id: number | null;
  step: string | null;
  map_index: number | null;
}

// The pending jobs of runs that the cancel ended advance their runs (running ones end later, by their finish).
function cancelled(c: SqliteConnection, now: number, rows: readonly CancelledRow[]): { count: number; queues: string[] } {
  const ended: EndedJob[] = [];
  for (const row of rows) {
    if (row.run_id === null || row.state !== 'cancelled') continue;
    ended.push({ id: row.id, runId: row.run_id, step: row.step ?? '', mapIndex: row.map_index, state: 'cancelled', result: null, lastError: null });
  }
  return { count: rows.length, queues: [...advanceRuns(c, now, ended)] };
}

// Cancel takes the jobs of runs (their runs advance); delete and retry leave them alone (a
// step runs again with its run, and its job goes with it).
const RUN_JOBS_LEFT_OUT: Record<BulkAction, string | null> = { cancel: null, delete: NOT_OF_A_RUN, retry: NOT_OF_A_RUN };

function matching(filter: FilterSql, states: readonly JobState[], leftOut: string | null): { matched: string; args: unknown[] } {
  const conditions = [...filter.conditions, 'state IN (SELECT value FROM json_each(?))'];
  if (leftOut) conditions.push(leftOut);
  return { matched: where(conditions), args: [...filter.args, JSON.stringify(states)] };
}

const STATE = `SELECT id, state, run_id, step FROM jobs WHERE id = ?`;
const DELETE = `DELETE FROM jobs WHERE id = ? AND state <> 'running'`;

/** Deletes a job that is not running; `running` when it is (nothing changed), null when there is none. */
export function deleteJob(c: SqliteConnection, jobId: string): 'deleted' | 'running' | null {
  const id = toRowId(jobId);
  if (id === null) return null;
  return c.write(() => {
    const row = c.prepare(STATE).get(id) as { id: number; state: JobState; run_id: number | null; step: string | null } | undefined;
    if (!row) return null;
    if (row.state === 'running') return 'running';
    assertNotAStep(row, 'deleted');
    c.prepare(DELETE).run(id);
    return 'deleted';
  });
}
