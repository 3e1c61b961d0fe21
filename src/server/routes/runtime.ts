/**
 * What runs: workers with their liveness, the tasks this server knows, and the execution
 * history (every attempt across jobs) with filters and cursor paging.
 */
import { renameField } from '../../core/errors.js';
import type { AttemptOutcome } from '../../core/types.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import { withoutUndefined } from './jobs.js';

type RuntimeRoutes = 'workers.list' | 'tasks.list' | 'executions.list';

export function runtimeHandlers(client: ServerClient): HandlersFor<RuntimeRoutes> {
  return {
    'workers.list': async () => ({ workers: await client.listWorkers() }),
    'tasks.list': async () => ({ tasks: await client.taskInfo() }),
    'executions.list': async ({ query }) => {
      const filter = {
        task: query.task,
        queue: query.queue,
        outcome: query.outcome as AttemptOutcome[] | undefined,
        workerId: query.worker,
        from: query.from,
        to: query.to,
      };
      return client.listExecutions(withoutUndefined(filter), withoutUndefined({ limit: query.limit, cursor: query.cursor })).catch((err: unknown) => {
        throw renameField(err, (field) => (field === 'workerId' ? 'worker' : field));
      });
    },
  };
}
