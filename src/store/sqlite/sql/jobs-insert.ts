/**
 * jobInsertMany: inserts jobs in one IMMEDIATE transaction, deduplicating by active
 * `unique_key` (or, with `uniqueForMs`, a recent one whatever its state). The lookup and the insert share the write lock, so two processes enqueuing
 * the same key at once still create one job; the partial unique index is the backstop.
 */
import type { InsertResult, JobInsert } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';
import { traceIdOf } from '../../records.js';
import { duplicateOf } from './unique-keys.js';

const INSERT = `
  INSERT INTO jobs (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                    timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key, trace_id,
                    run_id, step, map_index)
  VALUES (@task, @queue, @payload, 'pending', @priority, @runAt, @now, @maxAttempts,
          @timeoutMs, @backoffBaseMs, @backoffCapMs, @uniqueKey, @traceId,
          @runId, @step, @mapIndex)`;

/** Inserts `jobs` in order; `queues` lists the queues that got a new job, for wake-ups. */
export function insertJobs(c: SqliteConnection, now: number, jobs: readonly JobInsert[]): { results: InsertResult[]; queues: string[] } {
  const queues = new Set<string>();
  const results = c.write(() =>
    jobs.map((job): InsertResult => {
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
  };
}
