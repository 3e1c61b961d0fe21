/**
 * Jobs: enqueue one or a batch (each job's trace id is the request's id unless the body
 * gives one, so the worker's log lines lead back to the request), list with filters and
 * cursor paging, read one, cancel, retry.
 */
import type { z } from 'zod';
import type { enqueueBody } from '../../api/wire.js';
import type { EnqueueOptions } from '../../client/enqueue-options.js';
import { renameField } from '../../core/errors.js';
import type { JobState } from '../../core/types.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import type { TaskCheck } from '../task-check.js';

type JobRoutes = 'jobs.create' | 'jobs.createMany' | 'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'jobs.delete' | 'jobs.retry';

/** The enqueue options of a body, with the request's id as the default trace id. */
function enqueueOptions(body: z.output<typeof enqueueBody>, requestId: string): EnqueueOptions {
  const { task: _task, payload: _payload, traceId, ...options } = body;
  return { ...options, traceId: traceId ?? requestId };
}

export function jobHandlers(client: ServerClient, tasks: TaskCheck): HandlersFor<JobRoutes> {
  return {
    'jobs.create': async ({ body, requestId }) => {
      await tasks.check(body.task, 'task');
      return client.enqueue(body.task, body.payload, enqueueOptions(body, requestId));
    },
    'jobs.createMany': async ({ body, requestId }) => {
      for (const [i, job] of body.jobs.entries()) await tasks.check(job.task, `jobs.${i}.task`);
      const items = body.jobs.map((job) => ({ task: job.task, payload: job.payload, options: enqueueOptions(job, requestId) }));
      return { jobs: await client.enqueueMany(items) };
    },
    'jobs.list': async ({ query }) => {
      const filter = {
        state: query.state as JobState[] | undefined,
        queue: query.queue,
        task: query.task,
        workerId: query.worker,
        createdFrom: query.createdFrom,
        createdTo: query.createdTo,
        payloadText: query.q,
      };
      const page = withoutUndefined({ limit: query.limit, offset: query.offset, before: query.cursor });
      return client.listJobs(withoutUndefined(filter), page).catch((err: unknown) => {
        throw renameField(err, (field) => ({ before: 'cursor', workerId: 'worker', payloadText: 'q' })[field] ?? field);
      });
    },
    'jobs.get': async ({ params }) => client.job(params.id),
    'jobs.cancel': async ({ params }) => client.cancel(params.id),
    'jobs.delete': async ({ params }) => client.cancel(params.id),
    'jobs.retry': async ({ params }) => client.retry(params.id),
  };
}

/** The object without its undefined fields: a filter holds only what the caller gave. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
