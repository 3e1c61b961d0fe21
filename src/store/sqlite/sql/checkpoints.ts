/**
 * A durable function's checkpoints on SQLite: checkpointList (a run's, by seq) and
 * checkpointWrite, an upsert by (run_id, seq) fenced in the same statement by the run's
 * `main` job: it writes only while that job is running the attempt and worker named, so a
 * zombie whose lease was rescued changes nothing. `started_at` is the first write's;
 * `finished_at` is set the first time the checkpoint is written succeeded or failed.
 */
import type { ErrorInfo, Json } from '../../../core/types.js';
import type { Checkpoint, CheckpointKind, CheckpointState } from '../../../core/workflow-types.js';
import type { SqliteConnection } from '../connection.js';
import { toDate, toRowId } from '../rows.js';
import type { CheckpointColumns } from './checkpoint-checks.js';
import { parseJson } from './workflows-rows.js';

interface CheckpointRow {
  seq: number;
  name: string;
  kind: CheckpointKind;
  state: CheckpointState;
  result: string | null;
  error: string | null;
  attempts: number;
  started_at: number;
  finished_at: number | null;
  wait_until: number | null;
  event_key: string | null;
  child_run_id: number | null;
}

const LIST = `SELECT * FROM run_checkpoints WHERE run_id = ? ORDER BY seq`;

// The SELECT yields the row only while the fence holds; `WHERE` before ON CONFLICT also
// settles SQLite's parsing of an upsert from a SELECT.
const WRITE = `
  INSERT INTO run_checkpoints (run_id, seq, name, kind, state, result, error, attempts, started_at, finished_at, wait_until, event_key, child_run_id)
  SELECT @runId, @seq, @name, @kind, @state, @result, @error, @attempts, @now,
         CASE WHEN @state IN ('succeeded', 'failed') THEN @now END, @waitUntil, @eventKey, @childRunId
  WHERE EXISTS (
    SELECT 1 FROM jobs
    WHERE id = @jobId AND run_id = @runId AND step = 'main' AND map_index IS NULL
      AND state = 'running' AND attempt = @attempt AND locked_by = @workerId)
  ON CONFLICT (run_id, seq) DO UPDATE
  SET name = excluded.name,
      kind = excluded.kind,
      state = excluded.state,
      result = excluded.result,
      error = excluded.error,
      attempts = excluded.attempts,
      finished_at = CASE WHEN excluded.finished_at IS NULL THEN NULL ELSE COALESCE(run_checkpoints.finished_at, excluded.finished_at) END,
      wait_until = excluded.wait_until,
      event_key = excluded.event_key,
      child_run_id = excluded.child_run_id`;

export function listCheckpoints(c: SqliteConnection, runId: number): Checkpoint[] {
  return (c.prepare(LIST).all(runId) as CheckpointRow[]).map(checkpointFromRow);
}

export function readCheckpoints(c: SqliteConnection, runId: string): Checkpoint[] {
  const id = toRowId(runId);
  return id === null ? [] : c.read(() => listCheckpoints(c, id));
}

/** Who may write a run's checkpoints: the attempt of its `main` job a worker is running. */
export interface CheckpointFence {
  readonly runId: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly workerId: string;
}

/** Writes the checkpoint (checked by checkpointColumns); false when the fence does not hold. */
export function writeCheckpoint(c: SqliteConnection, now: number, fence: CheckpointFence, columns: CheckpointColumns): boolean {
  const runId = toRowId(fence.runId);
  const jobId = toRowId(fence.jobId);
  if (runId === null || jobId === null) return false;
  return c.write(() => c.prepare(WRITE).run({ ...columns, runId, jobId, attempt: fence.attempt, workerId: fence.workerId, now }).changes > 0);
}

function checkpointFromRow(row: CheckpointRow): Checkpoint {
  return {
    seq: row.seq,
    name: row.name,
    kind: row.kind,
    state: row.state,
    result: parseJson<Json>(row.result),
    error: parseJson<ErrorInfo>(row.error),
    attempts: row.attempts,
    startedAt: new Date(row.started_at),
    finishedAt: toDate(row.finished_at),
    waitUntil: toDate(row.wait_until),
    eventKey: row.event_key,
    childRunId: row.child_run_id === null ? null : String(row.child_run_id),
  };
}
