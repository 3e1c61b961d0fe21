/**
 * jobRescueExpired: gives running jobs whose lease expired (their worker died or stalled)
 * back to `pending`, or fails them when their attempts are used up, recording the lost
 * attempt as `worker_lost`. One IMMEDIATE transaction; each UPDATE is fenced again by
 * (id, attempt, state = 'running', lease still expired), so a job finished or heartbeated
 * meanwhile is left alone and concurrent rescuers rescue each job once.
 */
import type { SqliteConnection } from '../connection.js';
import { lostAttemptJson } from '../rows.js';

/** Rows rescued per call unless the caller says otherwise; the next sweep takes the rest. */
export const DEFAULT_RESCUE_LIMIT = 1000;

const EXPIRED = `
  SELECT id, queue, attempt, max_attempts, locked_by, started_at FROM jobs
  WHERE state = 'running' AND locked_until < @now
  ORDER BY locked_until
  LIMIT @limit`;

const RESCUE = `
  UPDATE jobs
  SET state = @state,
      run_at = CASE WHEN @state = 'pending' THEN @now ELSE run_at END,
      finished_at = CASE WHEN @state = 'pending' THEN NULL ELSE @now END,
      locked_until = NULL,
      last_error = @lastError,
      attempts = json_insert(attempts, '$[#]', json(@record))
  WHERE id = @id AND attempt = @attempt AND state = 'running' AND locked_until < @now`;

interface ExpiredRow {
  id: number;
  queue: string;
  attempt: number;
  max_attempts: number;
  locked_by: string | null;
  started_at: number | null;
}

/** Rescues up to `limit` expired jobs; `queues` lists those that got a pending job back. */
export function rescueExpired(c: SqliteConnection, now: number, limit = DEFAULT_RESCUE_LIMIT): { rescued: string[]; failed: string[]; queues: string[] } {
  const expired = c.prepare(EXPIRED);
  const rescue = c.prepare(RESCUE);
  const rescued: string[] = [];
  const failed: string[] = [];
  const queues = new Set<string>();
  c.write(() => {
    for (const row of expired.all({ now, limit }) as ExpiredRow[]) {
      const state = row.attempt < row.max_attempts ? 'pending' : 'failed';
      const error = { message: `lease expired: worker ${row.locked_by ?? 'unknown'} stopped heartbeating` };
      const params = { id: row.id, attempt: row.attempt, state, now, lastError: JSON.stringify(error), record: lostAttemptJson(row, now, error) };
      if (rescue.run(params).changes === 0) continue;
      if (state === 'pending') {
        rescued.push(String(row.id));
        queues.add(row.queue);
      } else {
        failed.push(String(row.id));
      }
    }
  });
  return { rescued, failed, queues: [...queues] };
}
