/**
 * jobFinishMany: ends running attempts in one IMMEDIATE transaction, one fenced UPDATE per
 * finish. The attempt record is appended with `json_insert(attempts, '$[#]', …)` inside that
 * same UPDATE, so a first-try success costs exactly one write after its claim.
 *
 * A finish whose (id, attempt, worker) no longer holds the running job (its lease expired and
 * it was rescued or re-claimed, or it was finished already) changes nothing and is left out
 * of `applied`.
 */
import type { AttemptOutcome, JobFinish } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';
import { attemptJson, errorInfo, toRowId } from '../rows.js';

const FINISH = `
  UPDATE jobs
  SET state = @state,
      locked_until = NULL,
      run_at = CASE WHEN @state = 'pending' THEN @runAt ELSE run_at END,
      finished_at = CASE WHEN @state = 'pending' THEN NULL ELSE @now END,
      result = @result,
      last_error = @lastError,
      attempts = json_insert(attempts, '$[#]', json(@record))
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running'
  RETURNING queue`;

// A release (graceful shutdown) gives the attempt back and records nothing. `locked_by` goes
// back to the worker of the last recorded attempt (null when there is none).
const RELEASE = `
  UPDATE jobs
  SET state = 'pending',
      attempt = attempt - 1,
      run_at = @now,
      locked_by = json_extract(attempts, '$[#-1].worker'),
      locked_until = NULL,
      started_at = NULL,
      progress = NULL
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running'
  RETURNING queue`;

/** Applies `finishes`; returns the applied ids and the queues that got a pending job back. */
export function finishJobs(c: SqliteConnection, now: number, finishes: readonly JobFinish[]): { applied: string[]; queues: string[] } {
  if (finishes.length === 0) return { applied: [], queues: [] };
  const finish = c.prepare(FINISH);
  const release = c.prepare(RELEASE);
  const applied: string[] = [];
  const queues = new Set<string>();
  c.write(() => {
    for (const item of finishes) {
      const id = toRowId(item.id);
      if (id === null) continue;
      const fence = { id, attempt: item.attempt, workerId: item.workerId };
      const row =
        item.outcome === 'released'
          ? (release.get({ ...fence, now }) as { queue: string } | undefined)
          : (finish.get({ ...fence, ...finishParams(item, item.outcome, now) }) as { queue: string } | undefined);
      if (!row) continue;
      applied.push(item.id);
      if (item.outcome === 'released' || item.state === 'pending') queues.add(row.queue);
    }
  });
  return { applied, queues: [...queues] };
}

function finishParams(item: JobFinish, outcome: AttemptOutcome, now: number): Record<string, unknown> {
  return {
    state: item.state,
    now,
    runAt: now + Math.max(0, item.retryDelayMs ?? 0),
    result: item.result === undefined ? null : JSON.stringify(item.result),
    lastError: item.error === undefined ? null : JSON.stringify(errorInfo(item.error)),
    record: attemptJson({ ...item, outcome }),
  };
}
