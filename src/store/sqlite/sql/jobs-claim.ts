/**
 * The running side of a job's life: jobClaim, jobHeartbeat, jobProgress, jobCancelRequested.
 *
 * The claim first asks, in a plain read, whether any of the queues has a due job (one seek
 * on `jobs_due` each): idle workers poll often, and with nothing due they must neither take
 * the write lock nor walk delayed rows. Otherwise it runs one IMMEDIATE transaction: per
 * queue in the worker's order, per priority level lowest first, one
 * `UPDATE … WHERE id IN (SELECT … ORDER BY run_at, id LIMIT n) RETURNING *` over an index
 * range of `jobs_claim` (queue, priority, run_at <= now). The write lock makes concurrent
 * claimers (other connections, other processes) queue up behind each other, so no job is
 * handed out twice. Every write to a running job below is fenced by
 * (id, attempt, locked_by, state = 'running').
 *
 * A queue with flow limits (its `queues` row says `limited`, read by the same statement that
 * asks whether a job is due) is claimed by flow-claim.ts instead, before the others; the
 * plain path is unchanged for every other queue.
 *
 * Measured (one process, 2 cores; median of 30 calls, claim of 50 from one queue):
 *   200,000 delayed, none due:       claim 7.3 ms -> 0.004 ms (no write lock taken)
 *   200,000 due, priority 0:         claim 0.85 ms -> 0.86 ms
 *   200,000 due, priorities 0-4:     claim 0.90 ms -> 0.93 ms
 *   200,000 delayed at priority 0
 *     + 10,000 due at priority 5:    claim 8.3 ms -> 0.85 ms
 * Before: one walk of `jobs_claim` in (priority, run_at, id) order, which with nothing due
 * visited every pending row of the queue under the write lock. On 10,000 jobs in batches of
 * 50, claim + finish run ~27,000 jobs/s; a SELECT then one prepared UPDATE per id was ~8%
 * slower. The flow limits (migration 9) cost this path nothing measurable: 10,000 jobs
 * claimed 50 at a time and finished, runs interleaved, best of 12 on busy cores: claim
 * 1.33 ms -> 1.21 ms, median 1.90 ms -> 1.93 ms.
 */
import type Database from 'better-sqlite3';
import type { JobRecord } from '../../../core/types.js';
import type { JobRef, Store } from '../../contract.js';
import { sortInClaimOrder } from '../../records.js';
import type { SqliteConnection } from '../connection.js';
import { type JobRow, jobFromRow, toRowId } from '../rows.js';
import { type LimitedClaimed, claimLimited, limitedMayStart } from './flow-claim.js';

// Is a job of this queue due, and the queue not paused? One seek on `jobs_due`. Is it
// limited (flow-claim.ts), and paused for a rate limit? Read from its row, by its key.
const DUE = `
  SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = @queue AND state = 'pending' AND run_at <= @now) AS due,
         COALESCE(q.paused, 0) AS paused, COALESCE(q.limited, 0) AS limited, q.paused_until AS pausedUntil
  FROM (SELECT 1) LEFT JOIN queues AS q ON q.name = @queue`;

/** What a queue offers a claim now. */
type Offer = 'nothing' | 'plain' | 'limited';

// The next priority level among the queue's pending jobs: one seek on `jobs_claim`.
const NEXT_PRIORITY = `
  SELECT MIN(priority) AS priority FROM jobs
  WHERE queue = @queue AND state = 'pending' AND priority > @after`;

// The columns of a claimed job, in the order `claimedRow` reads them.
const CLAIMED_COLUMNS = `id, task, queue, payload, state, priority, run_at, created_at, attempt, max_attempts,
  timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, locked_by, locked_until, started_at, finished_at,
  cancel_requested, progress, result, last_error, attempts, trace_id, run_id, step, map_index, concurrency_key`;

// Claims the first @limit due jobs of @queue whose priority matches `level`, in `order`
// (the move pending -> running by jobClaim in core/states.ts). A debounce key only matters
// while its job waits: cleared, so the job may go back to pending (a retry, a release, a
// rescue) beside a newer pending job of its key.
//
// OR FAIL: an UPDATE of many rows that may hit a constraint (the CHECK on state, the unique
// indexes) keeps a statement journal, a copy of every page it changes, so it can undo only
// itself; no constraint can fail here (pending -> running leaves every unique index as it
// was), and a failure would abort the whole claim transaction anyway. Without the journal,
// a claim of 200 costs ~20% less CPU.
const claimSql = (level: string, order: string): string => `
  UPDATE OR FAIL jobs
  SET state = 'running', attempt = attempt + 1, locked_by = @workerId,
      locked_until = @lockedUntil, started_at = @now, progress = NULL, debounce_key = NULL
  WHERE id IN (
    SELECT id FROM jobs
    WHERE state = 'pending' AND queue = @queue AND ${level} AND run_at <= @now
    ORDER BY ${order}
    LIMIT @limit)
  RETURNING ${CLAIMED_COLUMNS}`;

// The due jobs of one priority level, oldest first: a range of `jobs_claim` read in order.
const CLAIM_LEVEL = claimSql('priority = @priority', 'run_at, id');

// The due jobs above one priority level, in claim order: a walk of `jobs_claim` from there.
const CLAIM_REST = claimSql('priority > @after', 'priority, run_at, id');

/**
 * Priority levels a claim visits one by one before walking the rest of the queue. A level
 * costs ~40 µs when it has nothing due; a queue with 200,000 delayed jobs of distinct
 * priorities took 7.7 s level by level, 8 ms walking.
 */
const MAX_LEVELS = 8;

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

/** What `jobClaim` takes, as the Store contract defines it. */
export type ClaimParams = Parameters<Store['jobClaim']>[0];

/**
 * Claims up to `limit` due jobs: the limited queues first (each within its limits, see
 * flow-claim.ts), then the others, each in the worker's order; returns them in claim order.
 */
export function claimJobs(c: SqliteConnection, now: number, params: ClaimParams): JobRecord[] {
  if (params.limit <= 0 || params.queues.length === 0) return [];
  const queues = [...new Set(params.queues)];
  const due = c.prepare(DUE);
  const offer = (queue: string): Offer => {
    const row = due.get({ queue, now }) as { due: number; paused: number; limited: number; pausedUntil: number | null };
    if (row.due !== 1 || row.paused === 1 || (row.pausedUntil !== null && row.pausedUntil > now)) return 'nothing';
    return row.limited === 1 ? 'limited' : 'plain';
  };
  // Idle workers poll often: with nothing due, or nothing a limit lets start, answer from a
  // read, without the write lock.
  const mayClaim = (queue: string): boolean => {
    const offered = offer(queue);
    return offered === 'plain' || (offered === 'limited' && limitedMayStart(c, queue, now));
  };
  if (!queues.some(mayClaim)) return [];
  const claimed = c.write(() => {
    const offers = new Map(queues.map((queue) => [queue, offer(queue)]));
    const byQueue = new Map<string, LimitedClaimed>();
    let count = 0;
    const claim = (queue: string, limited: boolean): void => {
      const remaining = params.limit - count;
      if (remaining <= 0) return;
      const got = limited ? claimLimitedQueue(c, now, queue, params, remaining) : { rows: claimQueue(c, now, queue, params, remaining), inTurns: false };
      byQueue.set(queue, got);
      count += got.rows.length;
    };
    for (const queue of queues) if (offers.get(queue) === 'limited') claim(queue, true);
    for (const queue of queues) if (offers.get(queue) === 'plain') claim(queue, false);
    return byQueue;
  });
  // Queues in the worker's order; a keyed queue's jobs in the order of their turns, any
  // other's restored to claim order (RETURNING gives no order guarantee).
  return queues.flatMap((queue) => {
    const got = claimed.get(queue);
    if (!got) return [];
    const jobs = got.rows.map(jobFromRow);
    return got.inTurns ? jobs : sortInClaimOrder(jobs, [queue]);
  });
}

function claimLimitedQueue(c: SqliteConnection, now: number, queue: string, params: ClaimParams, wanted: number): LimitedClaimed {
  const claimInOrder = (limit: number): JobRow[] => claimQueue(c, now, queue, params, limit);
  const lease = { workerId: params.workerId, lockedUntil: now + params.leaseMs };
  return claimLimited(c, { queue, now, wanted, lease, claimInOrder }) ?? { rows: claimInOrder(wanted), inTurns: false };
}

/**
 * Claims up to `limit` due jobs of one queue, visiting its priority levels lowest first: each
 * level costs two index seeks, so delayed jobs cost nothing wherever they rank. Past
 * MAX_LEVELS levels (priorities used as fine-grained scores) it walks the rest in order.
 */
function claimQueue(c: SqliteConnection, now: number, queue: string, params: ClaimParams, limit: number): JobRow[] {
  const nextPriority = c.prepare(NEXT_PRIORITY);
  const claimed: JobRow[] = [];
  const lease = { workerId: params.workerId, lockedUntil: now + params.leaseMs, now, queue };
  let after = -Infinity;
  for (let level = 0; claimed.length < limit; level++) {
    const bind = { ...lease, after, limit: limit - claimed.length };
    if (level === MAX_LEVELS) {
      for (const values of rawRows(c, CLAIM_REST).all(bind)) claimed.push(claimedRow(values as ClaimedValues));
      break;
    }
    const { priority } = nextPriority.get({ queue, after }) as { priority: number | null };
    if (priority === null) break;
    for (const values of rawRows(c, CLAIM_LEVEL).all({ ...bind, priority })) claimed.push(claimedRow(values as ClaimedValues));
    after = priority;
  }
  return claimed;
}

/** The cached statement `sql`, returning each row as an array of its values. */
function rawRows(c: SqliteConnection, sql: string): Database.Statement {
  return c.prepare(sql).raw(true);
}

/** The values of CLAIMED_COLUMNS, in that order. */
type ClaimedValues = [
  JobRow['id'], JobRow['task'], JobRow['queue'], JobRow['payload'], JobRow['state'], JobRow['priority'], JobRow['run_at'],
  JobRow['created_at'], JobRow['attempt'], JobRow['max_attempts'], JobRow['timeout_ms'], JobRow['backoff_base_ms'],
  JobRow['backoff_cap_ms'], JobRow['unique_key'], JobRow['locked_by'], JobRow['locked_until'], JobRow['started_at'],
  JobRow['finished_at'], JobRow['cancel_requested'], JobRow['progress'], JobRow['result'], JobRow['last_error'],
  JobRow['attempts'], JobRow['trace_id'], JobRow['run_id'], JobRow['step'], JobRow['map_index'], JobRow['concurrency_key'],
];

/**
 * A claimed row from its values. Why not rows as objects: better-sqlite3 builds each one
 * property by property from native code (a hidden-class transition and a name look-up per
 * column per row), which cost more than the UPDATE itself; an array and this literal cost a
 * fraction of it (claim of 200 rows ~40% less CPU).
 */
function claimedRow(v: ClaimedValues): JobRow {
  return {
    id: v[0], task: v[1], queue: v[2], payload: v[3], state: v[4], priority: v[5], run_at: v[6], created_at: v[7],
    attempt: v[8], max_attempts: v[9], timeout_ms: v[10], backoff_base_ms: v[11], backoff_cap_ms: v[12], unique_key: v[13],
    locked_by: v[14], locked_until: v[15], started_at: v[16], finished_at: v[17], cancel_requested: v[18], progress: v[19],
    result: v[20], last_error: v[21], attempts: v[22], trace_id: v[23], run_id: v[24], step: v[25], map_index: v[26],
    concurrency_key: v[27],
  };
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
