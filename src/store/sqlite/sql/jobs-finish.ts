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

// Every statement below is fenced by (id, attempt, locked_by, state = 'running', run_id)
// and binds its parameters by position, each used once: better-sqlite3 looks a named
// parameter up on the object by name for every call (a string look-up per parameter per
// row), and a row back as an object is built property by property; arrays both ways take
// ~20% off a finish.
const FENCE = `id = ? AND attempt = ? AND locked_by = ? AND state = 'running' AND run_id IS ?`;
const FINISHED = 'queue, state, run_id, step, map_index';

// An attempt that ends its job (the moves out of `running` by jobFinishMany in
// core/states.ts): ? = the state, finished_at, result, last_error, the attempt record.
const END = `
  UPDATE jobs
  SET state = ?, locked_until = NULL, finished_at = ?, result = ?, last_error = ?,
      attempts = json_insert(attempts, '$[#]', json(?))
  WHERE ${FENCE}
  RETURNING ${FINISHED}`;

// An attempt whose job waits for another (a retry), or ends cancelled when its cancellation
// was requested meanwhile: ? = run_at, finished_at, result, last_error, the attempt record.
const RETRY = `
  UPDATE jobs
  SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'pending' END,
      run_at = CASE WHEN cancel_requested = 1 THEN run_at ELSE ? END,
      locked_until = NULL, finished_at = ?, result = ?, last_error = ?,
      attempts = json_insert(attempts, '$[#]', json(?))
  WHERE ${FENCE}
  RETURNING ${FINISHED}`;

// A release (graceful shutdown, a worker without the task) gives the attempt back and
// records nothing. `locked_by` goes back to the worker of the last recorded attempt (null
// when there is none). ? = run_at, finished_at.
const RELEASE = `
  UPDATE jobs
  SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'pending' END,
      attempt = attempt - 1,
      run_at = CASE WHEN cancel_requested = 1 THEN run_at ELSE ? END,
      finished_at = CASE WHEN cancel_requested = 1 THEN ? ELSE finished_at END,
      locked_by = json_extract(attempts, '$[#-1].worker'),
      locked_until = NULL,
      started_at = NULL,
      progress = NULL
  WHERE ${FENCE}
  RETURNING ${FINISHED}`;

/** The values of FINISHED, in that order. */
type FinishedValues = [queue: string, state: FinishedRow['state'], runId: number | null, step: string | null, mapIndex: number | null];

/** Applies `finishes`; returns the applied ids and the queues that got a pending (or newly due) job. */
export function finishJobs(c: SqliteConnection, now: number, finishes: readonly JobFinish[]): { applied: string[]; queues: string[] } {
  if (finishes.length === 0) return { applied: [], queues: [] };
  const end = c.prepare(END).raw(true);
  const retry = c.prepare(RETRY).raw(true);
  const release = c.prepare(RELEASE).raw(true);
  const applied: string[] = [];
  const queues = new Set<string>();
  c.write(() => {
    const ended: EndedJob[] = [];
    for (const item of finishes) {
      const id = toRowId(item.id);
      if (id === null) continue;
      const runAt = now + retryDelay(item.retryDelayMs);
      const values = (
        item.outcome === 'released'
          ? release.get(runAt, now, id, item.attempt, item.workerId, runIdOf(item))
          : item.state === 'pending'
            ? retry.get(runAt, ...recorded(item, item.outcome, now), id, item.attempt, item.workerId, runIdOf(item))
            : end.get(item.state, ...recorded(item, item.outcome, now), id, item.attempt, item.workerId, runIdOf(item))
      ) as FinishedValues | undefined;
      if (!values) continue;
      applied.push(item.id);
      const [queue, state, runId, step, mapIndex] = values;
      if (state === 'pending') {
        queues.add(queue);
        // A durable function released while it waits: was its wait over before it got here?
        if (item.outcome === 'released' && step === 'main' && runId !== null) wakeIfWaitOver(c, now, runId, id, queues);
      } else if (runId !== null) ended.push(endedJob(id, { queue, state, run_id: runId, step, map_index: mapIndex }, item));
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

/** The values an attempt that ran writes: finished_at, result, last_error, the attempt record. */
function recorded(item: JobFinish, outcome: AttemptOutcome, now: number): [number, string | null, string | null, string] {
  return [
    now,
    item.result === undefined ? null : JSON.stringify(item.result),
    item.error === undefined ? null : JSON.stringify(errorInfo(item.error)),
    attemptJson({ ...item, outcome, finishedAt: new Date(now) }),
  ];
}
