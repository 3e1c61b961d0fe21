/**
 * jobInsertMany: inserts jobs in one IMMEDIATE transaction, deduplicating by active
 * `unique_key` (or, with `uniqueForMs`, a recent one whatever its state). The lookup and the insert share the write lock, so two processes enqueuing
 * the same key at once still create one job; the partial unique index is the backstop.
 *
 * Debounce works the same way: under the write lock, a pending job of the task with the
 * debounce key is moved on (new payload, trace id and key, due `forMs` from now) instead of adding one, so a
 * burst from any number of processes leaves one job; `jobs_debounce` is the backstop.
 */
import { ValidationError } from '../../../core/errors.js';
import type { InsertResult, JobInsert } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';
import { traceIdOf } from '../../records.js';
import { duplicateOf } from './unique-keys.js';

const INSERT = `
  INSERT INTO jobs (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                    timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, trace_id,
                    run_id, step, map_index, concurrency_key, debounce_key)
  VALUES (@task, @queue, @payload, 'pending', @priority, @runAt, @now, @maxAttempts,
          @timeoutMs, @backoffBaseMs, @backoffCapMs, @uniqueKey, @traceId,
          @runId, @step, @mapIndex, @concurrencyKey, @debounceKey)`;

// The task's pending job of a debounce key: one seek on `jobs_debounce` (task, debounce_key).
const DEBOUNCED = `SELECT id FROM jobs WHERE task = ? AND debounce_key = ? AND state = 'pending'`;

const DEBOUNCE_AGAIN = `
  UPDATE jobs SET payload = @payload, trace_id = @traceId, concurrency_key = @concurrencyKey, run_at = @runAt
  WHERE id = @id`;

/** Inserts `jobs` in order; `queues` lists the queues that got a new job, for wake-ups. */
export function insertJobs(c: SqliteConnection, now: number, jobs: readonly JobInsert[]): { results: InsertResult[]; queues: string[] } {
  const queues = new Set<string>();
  const results = c.write(() =>
    jobs.map((job): InsertResult => {
      if (job.debounce) {
        const result = debounceJob(c, now, job, job.debounce);
        if (result.created) queues.add(job.queue);
        return result;
      }
      if (job.uniqueKey !== null) {
        const existing = duplicateOf(c, now, { ...job, uniqueKey: job.uniqueKey });
        if (existing !== undefined) return { id: String(existing), created: false };
      }
      queues.add(job.queue);
      return { id: String(insertJobRow(c, now, job)), created: true };
    }),
  );
  return { results, queues: [...queues] };
}

/** Moves the pending job of the debounce key on, or inserts one (inside the write lock). */
function debounceJob(c: SqliteConnection, now: number, job: JobInsert, debounce: { key: string; forMs: number }): InsertResult {
  if (typeof debounce.key !== 'string') throw new ValidationError('debounce.key', 'a string', debounce.key);
  if (typeof debounce.forMs !== 'number' || !Number.isFinite(debounce.forMs) || debounce.forMs < 0) {
    throw new ValidationError('debounce.forMs', 'a number of milliseconds ≥ 0', debounce.forMs);
  }
  const params = { ...insertParams(job, now), runAt: now + Math.ceil(debounce.forMs), debounceKey: debounce.key };
  const pending = c.prepare(DEBOUNCED).get(job.task, debounce.key) as { id: number } | undefined;
  if (!pending) return { id: String(c.prepare(INSERT).run(params).lastInsertRowid), created: true };
  c.prepare(DEBOUNCE_AGAIN).run({ ...params, id: pending.id });
  return { id: String(pending.id), created: false };
}

/** Inserts one job, no questions asked (the caller holds the transaction); returns its id. */
export function insertJobRow(c: SqliteConnection, now: number, job: JobInsert): number {
  return Number(c.prepare(INSERT).run(insertParams(job, now)).lastInsertRowid);
}

function insertParams(job: JobInsert, now: number): Record<string, unknown> {
  return {
    task: job.task,
    queue: job.queue,
    payload: JSON.stringify(job.payload ?? null),
    priority: job.priority,
    runAt: job.runAt === null ? now + job.delayMs : job.runAt.getTime(),
    now,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    backoffBaseMs: job.backoffBaseMs,
    backoffCapMs: job.backoffCapMs,
    uniqueKey: job.uniqueKey,
    traceId: traceIdOf(job),
    runId: job.workflow ? Number(job.workflow.runId) : null,
    step: job.workflow?.step ?? null,
    mapIndex: job.workflow?.mapIndex ?? null,
    concurrencyKey: job.concurrencyKey ?? null,
    debounceKey: null,
  };
}
