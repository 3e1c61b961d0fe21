/**
 * The built-in `workflow.start` task: starts one run of a stored workflow. It is what a
 * schedule whose target is a workflow enqueues at each fire (`{ cron, workflow, input }`),
 * and any job may use it. The run's unique key is `job:<job id>`, so a retried start (its
 * worker died after starting the run) returns the run it started instead of a second one.
 *
 * Starting needs the store: a worker gives the task its starter (builtin settings); a
 * registry without one (a client's) only validates payloads.
 */
import { z } from 'zod';
import type { Json } from '../../core/types.js';
import { defineTask, type TaskDefinition } from '../define.js';

export const WORKFLOW_START_TASK = 'workflow.start';

export const workflowStartPayloadSchema = z.strictObject({
  workflow: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/, { error: 'expected the name of a stored workflow, such as nightly-report' }).describe('the stored workflow to start'),
  input: z.json().optional().describe("the run's input (default {})"),
});

export interface WorkflowStartPayload {
  workflow: string;
  input?: Json;
}

/** Starts a run of the stored workflow `workflow`; the worker's implementation. */
export type WorkflowStarter = (params: { workflow: string; input: Json; uniqueKey: string; traceId: string | null }) => Promise<{ runId: string; created: boolean }>;

/** The `workflow.start` task, starting runs through `starter` (none: it only validates). */
export function workflowStartTask(starter: WorkflowStarter | undefined): TaskDefinition<WorkflowStartPayload, { runId: string }> {
  return defineTask(
    WORKFLOW_START_TASK,
    { schema: workflowStartPayloadSchema as z.ZodType<WorkflowStartPayload>, description: 'starts a run of a stored workflow (what a schedule of a workflow enqueues)' },
    async (payload: WorkflowStartPayload, ctx) => {
      if (!starter) throw new Error(`${WORKFLOW_START_TASK}: this process cannot start workflow runs (a worker can)`);
      const { runId, created } = await starter({ workflow: payload.workflow, input: payload.input ?? {}, uniqueKey: `job:${ctx.jobId}`, traceId: ctx.traceId });
      ctx.log(created ? `started run ${runId} of ${payload.workflow}` : `run ${runId} of ${payload.workflow} was started by an earlier attempt`);
      return { runId };
    },
  );
}
