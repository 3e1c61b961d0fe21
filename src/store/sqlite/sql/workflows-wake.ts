/**
 * Early wakes of suspended durable functions on SQLite. A function that waits has its `main`
 * job released with a delay (the sleep's end, or the wait's timeout); what it waits for makes
 * that job due now instead, inside the transaction that brings it about:
 * - an emit wakes every run with a `waiting` event checkpoint on its key;
 * - a run that ends wakes the run that spawned it (`parent_run_id`);
 * - a release of a `main` job whose wait is already over (the event was emitted, or the child
 *   ended, while the function was still running and could not be woken) is due at once,
 *   so a wake that came before the release is not lost until the timeout.
 * `MIN(run_at, now)` never pushes a job that is already due behind others.
 */
import type { SqliteConnection } from '../connection.js';

const MAIN_PENDING = `step = 'main' AND map_index IS NULL AND state = 'pending'`;

// Exported for the plan tests.
export const WAKE_WAITERS = `
  UPDATE jobs SET run_at = MIN(run_at, @now)
  WHERE run_id IN (SELECT run_id FROM run_checkpoints WHERE event_key = @key AND state = 'waiting') AND ${MAIN_PENDING}
  RETURNING queue`;

export const WAKE_PARENT = `
  UPDATE jobs SET run_at = MIN(run_at, @now)
  WHERE run_id = @parentRunId AND ${MAIN_PENDING}
  RETURNING queue`;

// A waiting checkpoint of the run whose event exists unexpired, or whose child run has ended.
export const WAIT_OVER = `
  UPDATE jobs SET run_at = @now
  WHERE id = @jobId AND state = 'pending' AND run_at > @now AND EXISTS (
    SELECT 1 FROM run_checkpoints k
    WHERE k.run_id = @runId AND k.state = 'waiting' AND (
      (k.kind = 'event' AND EXISTS (SELECT 1 FROM workflow_events e WHERE e.key = k.event_key AND e.expires_at > @now))
      OR (k.kind = 'spawn' AND EXISTS (SELECT 1 FROM workflow_runs r WHERE r.id = k.child_run_id AND r.state <> 'running'))))
  RETURNING queue`;

/** Makes the pending `main` jobs of the runs waiting for event `key` due; returns their queues. */
export function wakeWaiters(c: SqliteConnection, now: number, key: string): string[] {
  return c.prepare(WAKE_WAITERS).pluck().all({ key, now }) as string[];
}

/** Makes the pending `main` job of `parentRunId` due; adds its queue to `queues`. */
export function wakeParent(c: SqliteConnection, now: number, parentRunId: number, queues: Set<string>): void {
  for (const queue of c.prepare(WAKE_PARENT).pluck().all({ parentRunId, now }) as string[]) queues.add(queue);
}

/** After a release of run `runId`'s `main` job `jobId`: due now when its wait is already over. */
export function wakeIfWaitOver(c: SqliteConnection, now: number, runId: number, jobId: number, queues: Set<string>): void {
  for (const queue of c.prepare(WAIT_OVER).pluck().all({ runId, jobId, now }) as string[]) queues.add(queue);
}
