/**
 * jobInsertMany: inserts jobs in one IMMEDIATE transaction, deduplicating by active
 * `unique_key`. The lookup and the insert share the write lock, so two processes enqueuing
 * the same key at once still create one job; the partial unique index is the backstop.
 */
import type { InsertResult, JobInsert } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';
import { activeJobWithKey } from './unique-keys.js';

const INSERT = `
  INSERT INTO jobs (task, queue, payload, state, priority, run_at, created_at, max_attempts,
                    timeout_ms, backoff_base_ms, backoff_cap_ms, unique_key)
  VALUES (@task, @queue, @payload, 'pending', @priority, @runAt, @now, @maxAttempts,
          @timeoutMs, @backoffBaseMs, @backoffCapMs, @uniqueKey)`;

/** Inserts `jobs` in order; `queues` lists the queues that got a new job, for wake-ups. */
export function insertJobs(c: SqliteConnection, now: number, jobs: readonly JobInsert[]): { results: InsertResult[]; queues: string[] } {
  const insert = c.prepare(INSERT);
  const queues = new Set<string>();
  const results = c.write(() =>
    jobs.map((job): InsertResult => {
      if (job.uniqueKey !== null) {
        const existing = activeJobWithKey(c, job.uniqueKey);
        if (existing !== undefined) return { id: String(existing), created: false };
      }
      const { lastInsertRowid } = insert.run(insertParams(job, now));
      queues.add(job.queue);
      return { id: String(lastInsertRowid), created: true };
    }),
  );
  return { results, queues: [...queues] };
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
  };
}
