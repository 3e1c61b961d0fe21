/**
 * workflowStart on SQLite: one IMMEDIATE transaction writes the definition (with `register`),
 * the run with its definition snapshot, every step row as `planStart` lays them out, and the
 * jobs of the steps due at once. With a `uniqueKey` that a run already has, that run is
 * returned instead; the lookup and the insert share the write lock, and the column's UNIQUE
 * constraint is the backstop.
 */
import { ValidationError } from '../../../core/errors.js';
import { planStart } from '../../../core/workflow-plan.js';
import { startColumns, type StartParams } from '../../workflow-start.js';
import type { SqliteConnection } from '../connection.js';
import { toRowId } from '../rows.js';
import { insertPlannedJobs } from './workflows-apply.js';
import { upsertWorkflows } from './workflows-define.js';
import { jsonOrNull } from './workflows-rows.js';

const BY_KEY = `SELECT id FROM workflow_runs WHERE unique_key = ?`;

const INSERT_RUN = `
  INSERT INTO workflow_runs (workflow, state, input, definition, trace_id, unique_key, created_at, parent_run_id)
  VALUES (@workflow, 'running', @input, @definition, @traceId, @uniqueKey, @now, @parentRunId)`;

const INSERT_STEP = `
  INSERT INTO workflow_steps (run_id, step, state, job_id, map_total, map_done, result, error, reason, skip, finished_at)
  VALUES (@runId, @step, @state, NULL, @mapTotal, @mapDone, @result, @error, @reason, @skip, CASE WHEN @finished THEN @now END)`;

/** workflowStart's parameters on SQLite: a run spawned by a durable function names its parent. */
export type SqliteStartParams = StartParams & { readonly parentRunId?: string | null };

/** Starts a run; `queues` got due jobs (to wake after commit). */
export function startWorkflow(c: SqliteConnection, now: number, params: SqliteStartParams): { runId: string; created: boolean; queues: string[] } {
  const { input, traceId, uniqueKey } = startColumns(params);
  const parentRunId = parentRowId(params.parentRunId);
  const { definition } = params;
  return c.write(() => {
    if (params.register) upsertWorkflows(c, now, [definition]);
    const existing = uniqueKey === null ? undefined : (c.prepare(BY_KEY).get(uniqueKey) as { id: number } | undefined);
    if (existing) return { runId: String(existing.id), created: false, queues: [] };
    const run = { workflow: definition.name, input, definition: JSON.stringify(definition), traceId, uniqueKey, now, parentRunId };
    const runId = Number(c.prepare(INSERT_RUN).run(run).lastInsertRowid);
    const plan = planStart({ definition, input: params.input });
    const insertStep = c.prepare(INSERT_STEP);
    for (const row of plan.rows) {
      insertStep.run({
        runId,
        now,
        step: row.step,
        state: row.state,
        mapTotal: row.mapTotal,
        mapDone: row.mapDone,
        result: jsonOrNull(row.result),
        error: jsonOrNull(row.error),
        reason: row.reason,
        skip: row.skip,
        finished: row.finishedAt === null ? 0 : 1,
      });
    }
    const queues = new Set<string>();
    insertPlannedJobs(c, now, { id: runId, workflow: definition.name, state: 'running', input: params.input, definition, traceId, parentRunId }, plan.jobs, queues);
    return { runId: String(runId), created: true, queues: [...queues] };
  });
}

function parentRowId(parentRunId: string | null | undefined): number | null {
  if (parentRunId === undefined || parentRunId === null) return null;
  const id = typeof parentRunId === 'string' ? toRowId(parentRunId) : null;
  if (id === null) throw new ValidationError('parentRunId', 'a run id (a decimal number), or null', parentRunId);
  return id;
}
