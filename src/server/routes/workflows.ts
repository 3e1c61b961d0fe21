/**
 * Workflows: the stored definitions, a run started by name (its trace id the request's unless
 * the body gives one, so the steps' log lines lead back to the request), runs listed and read
 * with their steps, cancelled and retried. Every check is the client's, so the answers are
 * those of `ordo.workflows`.
 */
import type { RunFilter, RunState } from '../../core/workflow-types.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import { withoutUndefined } from './jobs.js';

type WorkflowRoutes = 'workflows.list' | 'workflows.get' | 'workflows.start' | 'workflows.runs' | 'workflows.run' | 'workflows.cancel' | 'workflows.retry';

export function workflowHandlers(client: ServerClient): HandlersFor<WorkflowRoutes> {
  const workflows = client.workflows;
  return {
    'workflows.list': async () => ({ workflows: await workflows.list() }),
    'workflows.get': async ({ params }) => workflows.get(params.name),
    'workflows.start': async ({ params, body, requestId }) =>
      workflows.start(params.name, body.input, withoutUndefined({ traceId: body.traceId ?? requestId, uniqueKey: body.uniqueKey })),
    'workflows.runs': async ({ query }) => {
      const filter: RunFilter = withoutUndefined({ workflow: query.workflow, state: query.state as RunState[] | undefined });
      return workflows.listRuns(filter, withoutUndefined({ limit: query.limit, cursor: query.cursor }));
    },
    'workflows.run': async ({ params }) => workflows.getRun(params.id),
    'workflows.cancel': async ({ params }) => workflows.cancelRun(params.id),
    'workflows.retry': async ({ params }) => workflows.retryRun(params.id),
  };
}
