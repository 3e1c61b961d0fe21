/**
 * Jobs: enqueue one or a batch (each job's trace id is the request's id unless the body
 * gives one, so the worker's log lines lead back to the request), list with filters and
 * cursor paging, read one, cancel, retry, delete, and act on every job a filter matches.
 */
import type { z } from 'zod';
import type { enqueueBody, jobFilterBody } from '../../api/wire.js';
import type { EnqueueOptions } from '../../client/enqueue-options.js';
import type { JobListFilter } from '../../client/job-query.js';
import { jsonObjectFromText } from '../../client/json-containment.js';
import { renameField } from '../../core/errors.js';
import type { JobState, JsonObject } from '../../core/types.js';
import type { ServerClient } from '../client.js';
import type { HandlersFor } from '../register.js';
import type { TaskCheck } from '../task-check.js';

type JobRoutes = 'jobs.create' | 'jobs.createMany' | 'jobs.list' | 'jobs.get' | 'jobs.cancel' | 'jobs.delete' | 'jobs.bulk' | 'jobs.retry';

/** The client's name of each filter field the API names otherwise. */
const WIRE_NAMES: Record<string, string> = { before: 'cursor', workerId: 'worker', payloadText: 'q', resultText: 'resultQ' };

/** The fields of a job filter the listing's query and a bulk body share. */
type WireFilter = Pick<z.output<typeof jobFilterBody>, 'queue' | 'task' | 'worker' | 'createdFrom' | 'createdTo' | 'q' | 'resultQ'> & { state?: readonly string[] };

/** A filter as the API words it (query or body), in the client's words; JSON containment already parsed. */
function clientFilter(wire: WireFilter, contains: { payloadContains?: JsonObject | null; resultContains?: JsonObject | null }): JobListFilter {
  return withoutUndefined({
    state: wire.state as JobState[] | undefined,
    queue: wire.queue,
    task: wire.task,
    workerId: wire.worker,
    createdFrom: wire.createdFrom,
    createdTo: wire.createdTo,
    payloadText: wire.q,
    resultText: wire.resultQ,
    payloadContains: contains.payloadContains ?? undefined,
    resultContains: contains.resultContains ?? undefined,
  });
}

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
      // JSON in a query string arrives as its text: parsed here, refused naming the query field.
      const contains = {
        payloadContains: query.payloadContains === undefined ? undefined : jsonObjectFromText(query.payloadContains, 'payloadContains'),
        resultContains: query.resultContains === undefined ? undefined : jsonObjectFromText(query.resultContains, 'resultContains'),
      };
      const page = withoutUndefined({ limit: query.limit, offset: query.offset, before: query.cursor });
      return client.listJobs(clientFilter(query, contains), page).catch((err: unknown) => {
        throw renameField(err, (field) => WIRE_NAMES[field] ?? field);
      });
    },
    'jobs.get': async ({ params }) => {
      const job = await client.job(params.id);
      return { ...job, waitingFor: job.state === 'pending' ? await client.waitReason(job) : null };
    },
    'jobs.cancel': async ({ params }) => client.cancel(params.id),
    'jobs.delete': async ({ params }) => client.deleteJob(params.id),
    'jobs.bulk': async ({ body }) => {
      const filter = clientFilter(body.filter, body.filter as { payloadContains?: JsonObject; resultContains?: JsonObject });
      return client.bulk(body.action, filter, { dryRun: body.dryRun ?? false }).catch((err: unknown) => {
        // The body's own words: `filter.worker`, not the client's `workerId`.
        throw renameField(err, (field) => (field === 'filter' ? field : `filter.${WIRE_NAMES[field] ?? field}`));
      });
    },
    'jobs.retry': async ({ params }) => client.retry(params.id),
  };
}

/** The object without its undefined fields: a filter holds only what the caller gave. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
