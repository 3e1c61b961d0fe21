/**
 * Builders of what tests hand the Store: a fully resolved job to insert, and the finish of a
 * claimed job. Plain data, no test framework, so child processes (the claimer scripts) can
 * use them too.
 */
import type { JobFinish, JobInsert, JobRecord } from '../../src/core/types.js';

/** A due job on queue `default` with every field resolved; override what the test needs. */
export function job(overrides: Partial<JobInsert> = {}): JobInsert {
  return {
    task: 'test.task',
    queue: 'default',
    payload: { n: 1 },
    priority: 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: 3,
    timeoutMs: null,
    backoffBaseMs: null,
    backoffCapMs: null,
    uniqueKey: null,
    ...overrides,
  };
}

/** A finish of the claimed `running` job, by the worker holding it; override the outcome. */
export function finishOf(running: JobRecord, overrides: Partial<JobFinish> = {}): JobFinish {
  return {
    id: running.id,
    attempt: running.attempt,
    workerId: running.lockedBy ?? 'worker-1',
    state: 'succeeded',
    outcome: 'succeeded',
    startedAt: running.startedAt ?? new Date(),
    finishedAt: new Date(),
    ...overrides,
  };
}
