/**
 * Operator actions on a whole run: workflowRunCancel and workflowRunRetry. Each is one
 * transaction that locks the run first (the lock order of workflows-rows.ts), reads its
 * steps, asks the planner (planCancel, planRetry) and writes the plan. A cancellation reaches
 * running steps through `cancel_requested`, which their workers' heartbeats carry to any
 * node. A retried durable function loses its failed checkpoints (its replay runs those steps
 * again). Same module as the SQLite engine's.
 */
import { ConflictError } from '../../../core/errors.js';
import { planCancel, planRetry } from '../../../core/workflow-plan.js';
import type { RunState } from '../../../core/workflow-types.js';
import type { PgContext } from '../context.js';
import { isRowId } from '../rows.js';
import { endCompleteMaps } from './workflows-advance.js';
import { applyPlan } from './workflows-apply.js';
import { deleteFailedCheckpoints } from './workflows-checkpoints.js';
import { DEADLOCK_SAFE, lockRuns, stepsOfRuns } from './workflows-rows.js';

const runningJobsSql = (s: string): string => `
  SELECT id, step FROM ${s}.jobs WHERE run_id = $1 AND state = 'running' ORDER BY id LIMIT 5`;

/** Cancels a running run; returns its state afterwards (null: no such run) and the queues woken. */
export async function cancelRun(ctx: PgContext, id: string): Promise<{ state: RunState | null; queues: string[] }> {
  if (!isRowId(id)) return { state: null, queues: [] };
  return ctx.db.transaction(async (client) => {
    const run = (await lockRuns(ctx, client, [id])).get(id);
    if (!run) return { state: null, queues: [] };
    if (run.state !== 'running') return { state: run.state, queues: [] };
    const steps = (await stepsOfRuns(ctx, client, [id])).get(id) ?? [];
    const plan = planCancel({ steps });
    const queues = await applyPlan(ctx, client, run, plan);
    return { state: plan.run?.state ?? run.state, queues };
  }, DEADLOCK_SAFE);
}

/** Runs a failed or cancelled run again; null: no such run. */
export async function retryRun(ctx: PgContext, id: string): Promise<{ result: { retried: boolean; state: RunState } | null; queues: string[] }> {
  if (!isRowId(id)) return { result: null, queues: [] };
  return ctx.db.transaction(async (client) => {
    const run = (await lockRuns(ctx, client, [id])).get(id);
    if (!run) return { result: null, queues: [] };
    if (run.state === 'running' || run.state === 'succeeded') return { result: { retried: false, state: run.state }, queues: [] };
    const { rows } = await client.query(runningJobsSql(ctx.s), [id]);
    const running = rows as { id: unknown; step: string }[];
    if (running.length > 0) {
      const jobs = running.map((job) => `${String(job.id)} (step ${job.step})`).join(', ');
      throw new ConflictError(`workflow run ${id} cannot be retried yet: job ${jobs} is still running (its cancellation not yet noticed); try again once it stopped`, {
        retryable: true,
        details: { id, running: running.map((job) => String(job.id)) },
      });
    }
    const steps = (await stepsOfRuns(ctx, client, [id])).get(id) ?? [];
    const plan = planRetry({ definition: run.definition, input: run.input, steps });
    // A durable function replays from its checkpoints: its failed steps must run again.
    if (run.definition.kind === 'function') await deleteFailedCheckpoints(ctx, client, id);
    const queues = await applyPlan(ctx, client, run, plan);
    run.state = plan.run?.state ?? 'running';
    if (run.state === 'running') queues.push(...(await endCompleteMaps(ctx, client, run)));
    return { result: { retried: true, state: run.state }, queues: [...new Set(queues)] };
  }, DEADLOCK_SAFE);
}
