/**
 * A durable function's checkpoints on PostgreSQL: checkpointList (a run's, by seq) and
 * checkpointWrite (an upsert by `(run_id, seq)`, fenced like a finish: only while the writer's
 * job is the run's `main` job, running that attempt under that worker).
 *
 * The write is a transaction of two statements, so that it keeps the lock order of
 * workflows-rows.ts (runs before jobs): the run row is share-locked first (FOR KEY SHARE, which
 * the checkpoint's foreign key takes anyway), then the job row (FOR SHARE, so a rescue or a
 * cancellation of that job waits for the write or is seen by it). Taken the other way round,
 * a run cancellation (run FOR UPDATE, then its running job) could meet the write in a cycle.
 * Same module as the SQLite engine's.
 */
import { ValidationError } from '../../../core/errors.js';
import type { ErrorInfo, Json } from '../../../core/types.js';
import {
  CHECKPOINT_KINDS,
  CHECKPOINT_STATES,
  type Checkpoint,
  type CheckpointKind,
  type CheckpointState,
} from '../../../core/workflow-types.js';
import type { Store } from '../../contract.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { isRowId, storableJson } from '../rows.js';
import { DEADLOCK_SAFE } from './workflows-rows.js';

interface CheckpointRow {
  seq: number;
  name: string;
  kind: CheckpointKind;
  state: CheckpointState;
  result: Json | null;
  error: ErrorInfo | null;
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
  wait_until: Date | null;
  event_key: string | null;
  child_run_id: unknown;
}

const CHECKPOINT_COLUMNS = 'seq, name, kind, state, result, error, attempts, started_at, finished_at, wait_until, event_key, child_run_id';

const listSql = (s: string): string => `SELECT ${CHECKPOINT_COLUMNS} FROM ${s}.run_checkpoints WHERE run_id = $1 ORDER BY seq`;

export function checkpointFromRow(row: CheckpointRow): Checkpoint {
  return {
    seq: row.seq,
    name: row.name,
    kind: row.kind,
    state: row.state,
    result: row.result,
    error: row.error,
    attempts: row.attempts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    waitUntil: row.wait_until,
    eventKey: row.event_key,
    childRunId: row.child_run_id === null ? null : String(row.child_run_id),
  };
}

/** The checkpoints of `runId`, ascending by seq (none: no such run). */
export async function listCheckpoints(ctx: PgContext, runId: string): Promise<Checkpoint[]> {
  if (!isRowId(runId)) return [];
  const rows = await ctx.db.rows<CheckpointRow>({ name: 'ordo_cp_list', text: listSql(ctx.s), values: [runId] });
  return rows.map(checkpointFromRow);
}

const lockRunSql = (s: string): string => `SELECT 1 FROM ${s}.workflow_runs WHERE id = $1 FOR KEY SHARE`;

// started_at is the first write's; finished_at is set when the state becomes succeeded or
// failed (kept when it already was), cleared otherwise.
const writeSql = (s: string): string => `
  WITH fence AS (
    SELECT id FROM ${s}.jobs
    WHERE id = $2 AND run_id = $1 AND step = 'main' AND state = 'running' AND attempt = $3 AND locked_by = $4
    FOR SHARE
  )
  INSERT INTO ${s}.run_checkpoints AS c (run_id, seq, name, kind, state, result, error, attempts, started_at, finished_at,
                                         wait_until, event_key, child_run_id)
  SELECT $1::bigint, $5::integer, $6::text, $7::text, $8::text, $9::jsonb, $10::jsonb, $11::integer, now(),
         CASE WHEN $8::text IN ('succeeded', 'failed') THEN now() END, $12::timestamptz, $13::text, $14::bigint
  FROM fence
  ON CONFLICT (run_id, seq) DO UPDATE SET
    name = EXCLUDED.name, kind = EXCLUDED.kind, state = EXCLUDED.state, result = EXCLUDED.result,
    error = EXCLUDED.error, attempts = EXCLUDED.attempts, wait_until = EXCLUDED.wait_until,
    event_key = EXCLUDED.event_key, child_run_id = EXCLUDED.child_run_id,
    finished_at = CASE WHEN EXCLUDED.state NOT IN ('succeeded', 'failed') THEN NULL
                       WHEN c.state IN ('succeeded', 'failed') THEN coalesce(c.finished_at, EXCLUDED.finished_at)
                       ELSE EXCLUDED.finished_at END
  RETURNING 1`;

/** What `checkpointWrite` takes, as the contract says. */
export type CheckpointWriteParams = Parameters<Store['checkpointWrite']>[0];

/** Writes a checkpoint while the fence holds; false when it does not (nothing written). */
export async function writeCheckpoint(ctx: PgContext, params: CheckpointWriteParams): Promise<boolean> {
  const values = checkpointValues(params);
  if (!isRowId(params.runId) || !isRowId(params.jobId) || typeof params.workerId !== 'string' || !Number.isInteger(params.attempt)) return false;
  return ctx.db.transaction(async (client: Queryable) => {
    const { rows: run } = await client.query(lockRunSql(ctx.s), [params.runId], 'ordo_cp_lock_run');
    if (run.length === 0) return false;
    const { rows } = await client.query(writeSql(ctx.s), values, 'ordo_cp_write');
    return rows.length > 0;
  }, DEADLOCK_SAFE);
}

/** The statement's values, after the checks of the checkpoint and its limits. */
function checkpointValues(params: CheckpointWriteParams): unknown[] {
  const { checkpoint: cp, maxSteps, maxResultBytes } = params;
  if (cp === null || typeof cp !== 'object') throw new ValidationError('checkpoint', 'a checkpoint object', cp);
  if (!Number.isInteger(cp.seq) || cp.seq < 0 || cp.seq >= maxSteps) {
    throw new ValidationError('checkpoint.seq', `an integer from 0 to ${maxSteps - 1} (a function reaches at most maxSteps = ${maxSteps} checkpoints)`, cp.seq);
  }
  if (typeof cp.name !== 'string' || cp.name.includes('\0')) throw new ValidationError('checkpoint.name', 'a string without NUL characters', cp.name);
  if (!CHECKPOINT_KINDS.includes(cp.kind)) throw new ValidationError('checkpoint.kind', `one of ${CHECKPOINT_KINDS.join(', ')}`, cp.kind);
  if (!CHECKPOINT_STATES.includes(cp.state)) throw new ValidationError('checkpoint.state', `one of ${CHECKPOINT_STATES.join(', ')}`, cp.state);
  if (!Number.isInteger(cp.attempts) || cp.attempts < 0 || cp.attempts > 2_147_483_647) throw new ValidationError('checkpoint.attempts', 'an integer >= 0', cp.attempts);
  if (cp.waitUntil !== null && !(cp.waitUntil instanceof Date && Number.isFinite(cp.waitUntil.getTime()))) {
    throw new ValidationError('checkpoint.waitUntil', 'a valid Date or null', cp.waitUntil);
  }
  if (cp.eventKey !== null && (typeof cp.eventKey !== 'string' || cp.eventKey.includes('\0'))) {
    throw new ValidationError('checkpoint.eventKey', 'a string without NUL characters, or null', cp.eventKey);
  }
  if (cp.childRunId !== null && !isRowId(cp.childRunId)) throw new ValidationError('checkpoint.childRunId', 'a run id (a positive whole number as a string), or null', cp.childRunId);
  const result = limitedJson('checkpoint.result', cp.result, maxResultBytes);
  const error = limitedJson('checkpoint.error', cp.error, maxResultBytes);
  return [
    params.runId,
    params.jobId,
    params.attempt,
    params.workerId,
    cp.seq,
    cp.name,
    cp.kind,
    cp.state,
    result,
    error,
    cp.attempts,
    cp.waitUntil === null ? null : cp.waitUntil.toISOString(),
    cp.eventKey,
    cp.childRunId,
  ];
}

/** `value` as storable JSON text (null: SQL NULL), refused when its UTF-8 form is over `maxBytes`. */
function limitedJson(field: string, value: Json | ErrorInfo | null, maxBytes: number): string | null {
  if (value === null || value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new ValidationError(field, 'a JSON value', value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) throw new ValidationError(field, `JSON of at most ${maxBytes} bytes (maxResultBytes)`, `${bytes} bytes of JSON`);
  return storableJson(value);
}

const deleteFailedSql = (s: string): string => `
  DELETE FROM ${s}.run_checkpoints WHERE run_id = $1
    AND seq >= (SELECT min(seq) FROM ${s}.run_checkpoints WHERE run_id = $1 AND state = 'failed')`;

/**
 * A retried function run: its checkpoints from the first failed one on go, so the replay runs
 * that step again and whatever follows it (a function that caught the failure took a branch
 * the retry may not take again); what succeeded before stays done.
 */
export async function deleteFailedCheckpoints(ctx: PgContext, client: Queryable, runId: string): Promise<void> {
  await client.query(deleteFailedSql(ctx.s), [runId]);
}
