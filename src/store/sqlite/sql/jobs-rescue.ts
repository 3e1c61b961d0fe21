/**
 * jobRescueExpired: gives running jobs whose lease expired (their worker died or stalled)
 * back to `pending`, recording the lost attempt as `worker_lost`; fails them when their
 * attempts are used up, and cancels them when their cancellation was requested (a request is
 * never lost with the worker). One IMMEDIATE transaction; each UPDATE is fenced again by
 * (id, attempt, state = 'running', lease still expired), so a job finished or heartbeated
 * meanwhile is left alone and concurrent rescuers rescue each job once. A job of a workflow
 * run that ends here (failed, cancelled) advances its run in the same transaction.
 */
import { DEFAULT_RESCUE_LIMIT } from '../../records.js';
import type { SqliteConnection } from '../connection.js';
import { lostAttemptJson } from '../rows.js';
import { type EndedJob, advanceRuns } from './workflows-advance.js';

const EXPIRED = `
  SELECT id, queue, attempt, locked_by, started_at, run_id, step, map_index FROM jobs
  WHERE state = 'running' AND locked_until < @now
    AND locked_by NOT IN (SELECT value FROM json_each(@except))
  ORDER BY locked_until
  LIMIT @limit`;

// True when the job goes back to pending: attempts left and no cancellation requested.
const REQUEUE = `(attempt < max_attempts AND cancel_requested = 0)`;

// The state CASE below makes the moves out of `running` by jobRescueExpired in core/states.ts.
const RESCUE = `
  UPDATE jobs
  SET state = CASE WHEN attempt >= max_attempts THEN 'failed'
                   WHEN cancel_requested = 1 THEN 'cancelled'
                   ELSE 'pending' END,
      run_at = CASE WHEN ${REQUEUE} THEN @now ELSE run_at END,
      -- The lost attempt ended now, whatever comes next (jobChanges lists it as finished).
      finished_at = @now,
      locked_until = NULL,
      last_error = @lastError,
      attempts = json_insert(attempts, '$[#]', json(@record))
  WHERE id = @id AND attempt = @attempt AND state = 'running' AND locked_until < @now
  RETURNING state`;

interface ExpiredRow {
  id: number;
  queue: string;
  attempt: number;
  locked_by: string | null;
  started_at: number | null;
  run_id: number | null;
  step: string | null;
  map_index: number | null;
}

export interface RescueOutcome {
  rescued: string[];
  failed: string[];
  cancelled: string[];
  /** Queues that got a pending job back, for wake-ups. */
  queues: string[];
}

/** Rescues up to `limit` expired jobs, leaving those of `exceptWorkers` alone. */
export function rescueExpired(c: SqliteConnection, now: number, limit = DEFAULT_RESCUE_LIMIT, exceptWorkers: readonly string[] = []): RescueOutcome {
  const except = JSON.stringify(exceptWorkers);
  const expired = c.prepare(EXPIRED);
  const rescue = c.prepare(RESCUE);
  const outcome: RescueOutcome = { rescued: [], failed: [], cancelled: [], queues: [] };
  const queues = new Set<string>();
  c.write(() => {
    const ended: EndedJob[] = [];
    for (const row of expired.all({ now, limit, except }) as ExpiredRow[]) {
      const error = { message: `lease expired: worker ${row.locked_by ?? 'unknown'} stopped heartbeating` };
      const params = { id: row.id, attempt: row.attempt, now, lastError: JSON.stringify(error), record: lostAttemptJson(row, now, error) };
      const done = rescue.get(params) as { state: 'pending' | 'failed' | 'cancelled' } | undefined;
      if (!done) continue;
      const id = String(row.id);
      if (done.state === 'pending') {
        outcome.rescued.push(id);
        queues.add(row.queue);
      } else {
        outcome[done.state].push(id);
        if (row.run_id !== null) {
          ended.push({ id: row.id, runId: row.run_id, step: row.step ?? '', mapIndex: row.map_index, state: done.state, result: null, lastError: error });
        }
      }
    }
    for (const queue of advanceRuns(c, now, ended)) queues.add(queue);
  });
  outcome.queues = [...queues];
  return outcome;
}
