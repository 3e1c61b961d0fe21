/**
 * Operator actions on single jobs and queues: jobCancel, jobRetry, jobDeleteMany. Each reads
 * the job and changes it inside one IMMEDIATE transaction, so the decision and the write see
 * the same state even when workers are claiming and finishing at the same time.
 *
 * A pending job of a workflow run cancelled here ends its step, so its run advances in the
 * same transaction; jobs of a running run are not retried alone nor swept by a clean
 * (workflows-guard.ts).
 */
import { OrdoError } from '../../../core/errors.js';
import { canTransition } from '../../../core/states.js';
import type { JobState } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';
import { deletableStates } from '../../records.js';
import { toRowId } from '../rows.js';
import { activeJobWithKey } from './unique-keys.js';
import { advanceRuns } from './workflows-advance.js';
import { NOT_OF_A_RUN, assertNotAStep } from './workflows-guard.js';

const STATE = `SELECT id, state, cancel_requested, queue, unique_key, run_id, step, map_index FROM jobs WHERE id = ?`;

// The moves these statements make, and the states they start from, are core/states.ts's table.
// A job leaving pending drops its debounce key (see jobs-claim.ts), so a retry never collides.
const CANCEL_PENDING = `
  UPDATE jobs SET state = 'cancelled', finished_at = @now, debounce_key = NULL
  WHERE id = @id AND state = 'pending'`;

const REQUEST_CANCEL = `UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'`;

// finished_at stays: it is when the latest attempt ended, and a retry starts none.
const RETRY = `
  UPDATE jobs
  SET state = 'pending', run_at = @now, locked_until = NULL,
      cancel_requested = 0, max_attempts = MAX(max_attempts, attempt + 1)
  WHERE id = @id AND state IN ('failed', 'cancelled')`;

const DELETE = `
  DELETE FROM jobs
  WHERE queue = ? AND state IN (SELECT value FROM json_each(?)) AND ${NOT_OF_A_RUN}`;

interface StateRow {
  id: number;
  state: JobState;
  cancel_requested: number;
  queue: string;
  unique_key: string | null;
  run_id: number | null;
  step: string | null;
  map_index: number | null;
}

/** What jobCancel did; `queues`: those that got a due job from the run the cancellation advanced. */
export interface CancelOutcome {
  state: JobState;
  cancelRequested: boolean;
  queues?: string[];
}

/** Cancels a pending job, flags a running one; terminal jobs are left as they are. */
export function cancelJob(c: SqliteConnection, now: number, jobId: string): CancelOutcome | null {
  const id = toRowId(jobId);
  if (id === null) return null;
  return c.write(() => {
    const row = c.prepare(STATE).get(id) as StateRow | undefined;
    if (!row) return null;
    if (canTransition(row.state, 'cancelled', 'jobCancel')) {
      c.prepare(CANCEL_PENDING).run({ id, now });
      if (row.run_id === null) return { state: 'cancelled', cancelRequested: false };
      const ended = { id, runId: row.run_id, step: row.step ?? '', mapIndex: row.map_index, state: 'cancelled' as const, result: null, lastError: null };
      return { state: 'cancelled', cancelRequested: false, queues: [...advanceRuns(c, now, [ended])] };
    }
    if (row.state === 'running') {
      c.prepare(REQUEST_CANCEL).run(id);
      return { state: 'running', cancelRequested: true };
    }
    return { state: row.state, cancelRequested: row.cancel_requested !== 0 };
  });
}

/** Puts a failed or cancelled job back to pending with one more attempt allowed. */
export function retryJob(c: SqliteConnection, now: number, jobId: string): { retried: boolean; state: JobState; queue?: string } | null {
  const id = toRowId(jobId);
  if (id === null) return null;
  return c.write(() => {
    const row = c.prepare(STATE).get(id) as StateRow | undefined;
    if (!row) return null;
    if (!canTransition(row.state, 'pending', 'jobRetry')) return { retried: false, state: row.state };
    assertNotAStep(row, 'retried');
    if (row.unique_key !== null) assertKeyFree(c, jobId, row.unique_key);
    c.prepare(RETRY).run({ id, now });
    return { retried: true, state: 'pending', queue: row.queue };
  });
}

/** Deletes a queue's jobs in `states` (pending only by default); returns how many. */
export function deleteJobs(c: SqliteConnection, queue: string, states?: readonly JobState[]): number {
  const deletable = deletableStates(states);
  if (deletable.length === 0) return 0;
  return c.write(() => c.prepare(DELETE).run(queue, JSON.stringify(deletable)).changes);
}

// Retrying would make two active jobs share a unique key, which enqueue promises never happens.
function assertKeyFree(c: SqliteConnection, jobId: string, uniqueKey: string): void {
  const activeId = activeJobWithKey(c, uniqueKey);
  if (activeId === undefined) return;
  throw new OrdoError(
    'conflict',
    `job ${jobId} cannot be retried: job ${activeId} with the same unique key ${JSON.stringify(uniqueKey)} is still active; wait for it to finish or cancel it`,
    { details: { id: jobId, uniqueKey, activeId: String(activeId) } },
  );
}
