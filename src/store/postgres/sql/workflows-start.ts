/**
 * workflowStart on PostgreSQL: the run (with a snapshot of its definition), every step row
 * and the root steps' jobs, in one transaction: ours, or the caller's `tx` (then the run
 * exists if and only if the caller commits, and its NOTIFY is delivered at that COMMIT).
 * `register` stores the definition in the same transaction. A `uniqueKey` already taken
 * returns the run that holds it (`created: false`); a concurrent start with the same key
 * waits on the unique index until the other transaction ends, then sees its run. A run
 * spawned by a durable function keeps its parent's id (`parent_run_id`), which its end wakes.
 * Same module as the SQLite engine's.
 */
import { ConflictError } from '../../../core/errors.js';
import { ValidationError } from '../../../core/errors.js';
import { planStart } from '../../../core/workflow-plan.js';
import type { StepRow } from '../../../core/workflow-types.js';
import { startColumns, type StartParams } from '../../workflow-start.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';
import { hasNul, isRowId, storableJson } from '../rows.js';
import { insertPlannedJobs } from './workflows-apply.js';
import { upsertDefinitions } from './workflows-definitions.js';

const insertRunSql = (s: string): string => `
  INSERT INTO ${s}.workflow_runs (workflow, state, input, definition, trace_id, unique_key, created_at, parent_run_id)
  VALUES ($1, 'running', $2::jsonb, $3::jsonb, $4, $5, statement_timestamp(), $6::bigint)
  ON CONFLICT (unique_key) DO NOTHING
  RETURNING id`;

const runWithKeySql = (s: string): string => `SELECT id FROM ${s}.workflow_runs WHERE unique_key = $1`;

const insertStepsSql = (s: string): string => `
  INSERT INTO ${s}.workflow_steps (run_id, step, state, map_total, map_done, result, error, reason, skip, finished_at)
  SELECT $1::bigint, r ->> 'step', r ->> 'state', (r ->> 'mapTotal')::integer, (r ->> 'mapDone')::integer,
         r -> 'result', nullif(r -> 'error', 'null'::jsonb), r ->> 'reason', r ->> 'skip',
         CASE WHEN r ->> 'finishedAt' IS NULL THEN NULL ELSE statement_timestamp() END
  FROM jsonb_array_elements($2::jsonb) AS r`;

/** Starts a run on `client` (inside a transaction); `queues`: those that got due jobs. */
export async function startWorkflow(
  ctx: PgContext,
  client: Queryable,
  params: StartParams & { readonly parentRunId?: string | null },
): Promise<{ runId: string; created: boolean; queues: string[] }> {
  const { input, traceId, uniqueKey } = startColumns(params);
  const parentRunId = params.parentRunId ?? null;
  if (parentRunId !== null && !isRowId(parentRunId)) throw new ValidationError('parentRunId', 'a run id (a positive whole number as a string), or null', parentRunId);
  // jsonb cannot store a NUL character, which JSON text may carry as \u0000.
  if (hasNul(input)) throw new ValidationError('input', 'JSON without NUL (\\u0000) characters, which PostgreSQL jsonb cannot store', params.input);
  const { definition } = params;
  if (params.register === true) await upsertDefinitions(ctx, client, [definition]);
  const { rows } = await client.query(insertRunSql(ctx.s), [definition.name, input, storableJson(definition), traceId, uniqueKey, parentRunId]);
  const inserted = rows[0] as { id: unknown } | undefined;
  if (!inserted) {
    const [existing] = (await client.query(runWithKeySql(ctx.s), [uniqueKey])).rows as { id: unknown }[];
    // Gone between the two statements (pruned by retention): a start again would take the key.
    if (!existing) throw new ConflictError(`the workflow run with unique key ${JSON.stringify(uniqueKey)} was removed while starting; start again`, { retryable: true, details: { uniqueKey } });
    return { runId: String(existing.id), created: false, queues: [] };
  }
  const runId = String(inserted.id);
  const plan = planStart({ definition, input: params.input });
  await client.query(insertStepsSql(ctx.s), [runId, storableJson(plan.rows.map(stepJson))]);
  const queues = await insertPlannedJobs(ctx, client, { id: runId, definition, traceId }, plan.jobs);
  return { runId, created: true, queues };
}

/** A planned first row as JSON; `job_id` is set by the insert of its job. */
function stepJson(row: StepRow): Omit<StepRow, 'jobId' | 'finishedAt'> & { finishedAt: string | null } {
  const { jobId: _jobId, finishedAt, ...rest } = row;
  return { ...rest, finishedAt: finishedAt === null ? null : finishedAt.toISOString() };
}
