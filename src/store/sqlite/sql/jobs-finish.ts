/**
 * jobFinishMany: ends running attempts in one IMMEDIATE transaction, one fenced UPDATE per
 * finish. The attempt record is appended with `json_insert(attempts, '$[#]', …)` inside that
 * same UPDATE, so a first-try success costs exactly one write after its claim.
 *
 * A finish that would put the job back to `pending` (a retry or a release) ends it
 * `cancelled` instead when its cancellation was requested meanwhile: the request is decided
 * in the UPDATE itself, from the row under the write lock, so a `jobCancel` can never slip
 * between reading the flag and writing the state.
 *
 * A finish whose (id, attempt, worker) no longer holds the running job (its lease expired and
 * it was rescued or re-claimed, or it was finished already) changes nothing and is left out
 * of `applied`.
 *
 * The attempt record's `finishedAt` is the store's clock (`now`), like `finished_at` and the
 * claim's `started_at`, not the worker's: both times of one attempt come from one clock.
 * `finished_at` is set by every finish, a retry's too: it is when the latest attempt ended,
 * so a retry shows among the jobs finished in a window (jobChanges) while it waits.
 *
 * A job of a workflow run is fenced by its run too (`run_id IS @runId`: a finish that does
 * not name the run it claimed changes nothing), and when it ends, its run advances in the
 * same transaction (workflows-advance.ts). A batch of plain jobs pays nothing more: RETURNING
 * reads `run_id` back, and only ended jobs of runs lead to another statement.
 */
import type { AttemptOutcome, JobFinish } from '../../../core/types.js';
import { errorInfo, retryDelay } from '../../records.js';
import type { SqliteConnection } from '../connection.js';
import { attemptJson, toRowId } from '../rows.js';
import { type EndedJob, advanceRuns } from './workflows-advance.js';
import { wakeIfWaitOver } from './workflows-wake.js';

// True when the job goes back to pending: a pending finish and no cancellation requested.
const REQUEUE = `(@state = 'pending' AND cancel_requested = 0)`;

// The state CASEs below make the moves out of `running` by jobFinishMany in core/states.ts.
const FINISH = `
  UPDATE jobs
  SET state = CASE WHEN @state = 'pending' AND cancel_requested = 1 THEN 'cancelled' ELSE @state END,
      locked_until = NULL,
      run_at = CASE WHEN ${REQUEUE} THEN @runAt ELSE run_at END,
      finished_at = @now,
      result = @result,
      last_error = @lastError,
      attempts = json_insert(attempts, '$[#]', json(@record))
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running' AND run_id IS @runId
  RETURNING queue, state, run_id, step, map_index`;

// A release (graceful shutdown, a worker without the task) gives the attempt back and
// records nothing. `locked_by` goes back to the worker of the last recorded attempt (null
// when there is none).
const RELEASE = `
  UPDATE jobs
  SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'pending' END,
      attempt = attempt - 1,
      run_at = CASE WHEN cancel_requested = 1 THEN run_at ELSE @runAt END,
      finished_at = CASE WHEN cancel_requested = 1 THEN @now ELSE finished_at END,
      locked_by = json_extract(attempts, '$[#-1].worker'),
      locked_until = NULL,
      started_at = NULL,
      progress = NULL
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running' AND run_id IS @runId
  RETURNING queue, state, run_id, step, map_index`;

/** Applies `finishes`; returns the applied ids and the queues that got a pending (or newly due) job. */
export function finishJobs(c: SqliteConnection, now: number, finishes: readonly JobFinish[]): { applied: string[]; queues: string[] } {
  if (finishes.length === 0) return { applied: [], queues: [] };
  const finish = c.prepare(FINISH);
  const release = c.prepare(RELEASE);
  const applied: string[] = [];
  const queues = new Set<string>();
  c.write(() => {
    const ended: EndedJob[] = [];
    for (const item of finishes) {
      const id = toRowId(item.id);
      if (id === null) continue;
      const fence = { id, attempt: item.attempt, workerId: item.workerId, runId: runIdOf(item) };
      const runAt = now + retryDelay(item.retryDelayMs);
      const row = (
        item.outcome === 'released' ? release.get({ ...fence, now, runAt }) : finish.get({ ...fence, ...finishParams(item, item.outcome, now, runAt) })
      ) as FinishedRow | undefined;
      if (!row) continue;
      applied.push(item.id);
      if (row.state === 'pending') {
        queues.add(row.queue);
        // A durable function released while it waits: was its wait over before it got here?
        if (item.outcome === 'released' && row.step === 'main' && row.run_id !== null) wakeIfWaitOver(c, now, row.run_id, id, queues);
      } else if (row.run_id !== null) ended.push(endedJob(id, { ...row, run_id: row.run_id }, item));
    }
    for (const queue of advanceRuns(c, now, ended)) queues.add(queue);
  });
  return { applied, queues: [...queues] };
}

interface FinishedRow {
  queue: string;
  state: 'pending' | EndedJob['state'];
  run_id: number | null;
  step: string | null;
  map_index: number | null;
}

// The run a finish names: null for a plain job; an id no row can have matches no job of a run.
function runIdOf(item: JobFinish): number | null {
  if (item.runId === undefined || item.runId === null) return null;
  return toRowId(item.runId) ?? -1;
}

function endedJob(id: number, row: FinishedRow & { run_id: number }, item: JobFinish): EndedJob {
  const released = item.outcome === 'released';
  const ended: EndedJob = {
    id,
    runId: row.run_id,
    step: row.step ?? '',
    mapIndex: row.map_index,
    state: row.state as EndedJob['state'],
    result: released ? null : (item.result ?? null),
    lastError: released || item.error === undefined ? null : errorInfo(item.error),
  };
  if (item.skipped !== undefined) ended.skipped = item.skipped;
  return ended;
}

function finishParams(item: JobFinish, outcome: AttemptOutcome, now: number, runAt: number): Record<string, unknown> {
  return {
    state: item.state,
    now,
    runAt,
    result: item.result === undefined ? null : JSON.stringify(item.result),
    lastError: item.error === undefined ? null : JSON.stringify(errorInfo(item.error)),
    record: attemptJson({ ...item, outcome, finishedAt: new Date(now) }),
  };
}
