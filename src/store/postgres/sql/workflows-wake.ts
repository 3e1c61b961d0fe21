/**
 * Early wakes of suspended durable functions on PostgreSQL. A function that waits has its
 * `main` job released with a delay (the sleep's end, or the wait's timeout); what it waits for
 * makes that job due now instead, inside the transaction that brings it about:
 * - an emit wakes every run with a `waiting` event checkpoint on its key (workflows-events.ts);
 * - a run that ends wakes the run that spawned it (workflows-apply.ts);
 * - a release of a `main` job whose wait is already over (the event was emitted, or the child
 *   ended, while the function was still running and could not be woken) is due at once.
 *
 * Under READ COMMITTED, a wake and a release committing at the same instant could each miss
 * the other: the wake's UPDATE sees the job still running, the release's check does not see
 * the uncommitted event or child end. So both sides first take a transaction-scoped advisory
 * lock on what they meet on (the event's key; the waiting run), in a statement of its own:
 * the one that takes it second starts its next statement after the first committed, and sees
 * it. A lost wake would cost the function its wait's timeout.
 */
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/** The advisory lock key of event `key` or of run `runId` (colliding keys only serialize). */
const lockKey = (what: string): string => `hashtextextended(${what}, 0)`;
const EVENT_LOCK = (param: string): string => lockKey(`'ordo.event:' || ${param}`);
const RUN_LOCK = (param: string): string => lockKey(`'ordo.run:' || ${param}`);

const lockEventSql = `SELECT pg_advisory_xact_lock(${EVENT_LOCK('$1::text')})`;

/** Before an emit's wake: holds off the releases of functions waiting on `key` until it commits. */
export async function lockEventWake(client: Queryable, key: string): Promise<void> {
  await client.query(lockEventSql, [key], 'ordo_wf_lock_event');
}

const lockRunSql = `SELECT pg_advisory_xact_lock(${RUN_LOCK('$1::text')})`;

/** Before a run's end wakes the function that spawned it (`parentRunId`): as `lockEventWake`. */
export async function lockParentWake(client: Queryable, parentRunId: string): Promise<void> {
  await client.query(lockRunSql, [parentRunId], 'ordo_wf_lock_parent');
}

// Every lock a release of these runs' jobs meets a wake on, in one order (no two releases
// deadlock on them): the run's own, and each key it waits on.
const lockReleasedSql = (s: string): string => `
  SELECT count(pg_advisory_xact_lock(k)) FROM (
    SELECT DISTINCT k FROM (
      SELECT ${RUN_LOCK('r::text')} AS k FROM unnest($1::bigint[]) AS r
      UNION ALL
      SELECT ${EVENT_LOCK('c.event_key')} FROM ${s}.run_checkpoints c
      WHERE c.run_id = ANY ($1::bigint[]) AND c.state = 'waiting' AND c.event_key IS NOT NULL
    ) AS x ORDER BY k
  ) AS y`;

// Released jobs whose wait is already over: due now instead of after the release's delay.
const wakeReleasedSql = (s: string): string => `
  UPDATE ${s}.jobs AS j SET run_at = now()
  WHERE j.id = ANY ($1::bigint[]) AND j.state = 'pending' AND j.run_at > now()
    AND EXISTS (
      SELECT 1 FROM ${s}.run_checkpoints c
      WHERE c.run_id = j.run_id AND c.state = 'waiting'
        AND (EXISTS (SELECT 1 FROM ${s}.workflow_events e WHERE e.key = c.event_key AND e.expires_at > now())
             OR EXISTS (SELECT 1 FROM ${s}.workflow_runs r WHERE r.id = c.child_run_id AND r.state <> 'running')))
  RETURNING j.queue`;

/** Makes the released `main` jobs (`jobIds`, of runs `runIds`) whose wait is over due now; returns their queues. */
export async function wakeReleased(ctx: PgContext, client: Queryable, jobIds: readonly string[], runIds: readonly string[]): Promise<string[]> {
  await client.query(lockReleasedSql(ctx.s), [runIds], 'ordo_wf_lock_released');
  const { rows } = await client.query(wakeReleasedSql(ctx.s), [jobIds], 'ordo_wf_wake_released');
  return (rows as { queue: string }[]).map((row) => row.queue);
}
