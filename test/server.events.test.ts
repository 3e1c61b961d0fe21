/**
 * The live side of the API over a real worker, on both engines: the event stream delivers
 * the changes of jobs the worker ran, filtered by queue or task, with heartbeats, and ends
 * when its caller leaves or the server stops; /metrics counts those jobs. On PostgreSQL, two
 * servers on one database see the same jobs and the same events.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SERVICE_PATHS } from '../src/api/routes.js';
import { PermanentError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, postgresFixture } from './support/engines.js';
import { useServers, type TestServer } from './support/server.js';
import { readEvents, type StreamEvent } from './support/sse.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const greet = defineTask('greet', async (payload: { name: string }) => ({ hello: payload.name }));
const broken = defineTask('broken', { retry: { maxAttempts: 2, baseMs: 10, capMs: 10 } }, async () => {
  throw new Error('no luck');
});
const fatal = defineTask('fatal', async () => {
  throw new PermanentError('never');
});
const TASKS = [greet, broken, fatal];

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop({ graceMs: 0 })));
});

async function startWorker(store: Store, name: string): Promise<Worker> {
  const worker = createWorker({ store, tasks: TASKS, queues: ['a', 'b'], name, pollMs: 20, heartbeatMs: 200, leaseMs: 2_000, logger: createLogger({ level: 'silent' }) });
  workers.push(worker);
  await worker.start();
  return worker;
}

const jobEvents = (events: StreamEvent[], id: string) => events.filter((e) => e.data.job?.id === id).map((e) => e.type);

async function enqueue(api: TestServer, token: string, task: string, queue: string): Promise<string> {
  const answer = await api.call('POST', '/api/v1/jobs', { token, body: { task, queue, payload: { name: queue } } });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

describe.each(engines)('events and metrics on $name', (engine) => {
  const serve = useServers(engine);

  it('streams the changes of jobs a worker runs, filtered by queue or task, and ends the stream when its caller leaves', async () => {
    const api = await serve({ tasks: TASKS, options: { heartbeatMs: 100 } });
    const read = await api.token('read');
    const write = await api.token('write');
    await api.ordo.feed().ready();
    const all = await readEvents(`${api.url}${SERVICE_PATHS.events}`, read);
    const onlyA = await readEvents(`${api.url}${SERVICE_PATHS.events}?queue=a`, read);
    const onlyBroken = await readEvents(`${api.url}${SERVICE_PATHS.events}?task=broken`, read);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const worker = await startWorker(api.store, 'w-events');
    const a = await enqueue(api, write, 'greet', 'a');
    const b = await enqueue(api, write, 'greet', 'b');
    const failing = await enqueue(api, write, 'broken', 'b');

    await all.waitFor((events) => jobEvents(events, b).includes('job:finished') && jobEvents(events, failing).includes('job:finished'), 'every job to finish');
    expect(jobEvents(all.events, a)).toEqual(['job:enqueued', 'job:started', 'job:finished']);
    expect(jobEvents(all.events, failing)).toEqual(['job:enqueued', 'job:started', 'job:retried', 'job:started', 'job:finished']);
    const finished = all.events.find((e) => e.type === 'job:finished' && e.data.job.id === a)!;
    expect(finished.data).toMatchObject({ type: 'job:finished', job: { id: a, task: 'greet', queue: 'a', state: 'succeeded', outcome: 'succeeded', worker: 'w-events' } });
    expect(typeof finished.data.job.durationMs).toBe('number');
    expect(new Date(finished.data.at).getTime()).not.toBeNaN();
    await all.waitFor((events) => events.some((e) => e.type === 'worker:up' && e.data.worker.id === worker.name), 'the worker to come up');

    await onlyA.waitFor((events) => jobEvents(events, a).includes('job:finished'), 'job a to finish on the queue-a stream');
    expect(onlyA.events.every((e) => (e.data.job ? e.data.job.queue === 'a' : e.data.worker.queues.includes('a')))).toBe(true);
    await onlyBroken.waitFor((events) => jobEvents(events, failing).includes('job:finished'), 'the broken job to finish on its task stream');
    expect(new Set(onlyBroken.events.map((e) => e.data.job?.id))).toEqual(new Set([failing]));
    expect(all.comments).toContain('connected');
    await all.waitFor(() => all.comments.includes('heartbeat'), 'a heartbeat');

    const listeners = api.ordo.feed().listenerCount;
    for (const stream of [all, onlyA, onlyBroken]) stream.close();
    await waitFor(() => api.ordo.feed().listenerCount, (n) => n === listeners - 3, 'the closed streams to unsubscribe');
  });

  it('ends every open stream when the server stops, and the stop completes', async () => {
    const api = await serve({ tasks: TASKS });
    const stream = await readEvents(`${api.url}${SERVICE_PATHS.events}`, await api.token('read'));
    await stream.waitFor(() => stream.comments.includes('connected'), 'the stream to open');
    await api.server.stop();
    await stream.ended;
    expect(api.ordo.feed().listenerCount).toBe(0);
  });

  it('counts jobs by queue and task in /metrics, with run times, queue depth and live workers', async () => {
    const api = await serve({ tasks: TASKS });
    const write = await api.token('write');
    await api.ordo.feed().ready();
    await startWorker(api.store, 'w-metrics');
    const ids = [await enqueue(api, write, 'greet', 'a'), await enqueue(api, write, 'greet', 'a'), await enqueue(api, write, 'broken', 'b'), await enqueue(api, write, 'fatal', 'b')];
    await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'greet', queue: 'b', payload: { name: 'later' }, delay: '1h' } });
    await waitFor(() => Promise.all(ids.map((id) => api.ordo.job(id))), (jobs) => jobs.every((j) => ['succeeded', 'failed'].includes(j.state)), 'the jobs to end');
    const value = (text: string, metric: string) => Number(new RegExp(`^${metric.replace(/[{}"=,]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1]);
    const scrape = async () => (await api.call('GET', '/metrics', { token: await api.token('read') })).body as string;
    const text = await waitFor(scrape, (t) => value(t, 'ordo_jobs_failed_total{queue="b",task="fatal"}') === 1 && value(t, 'ordo_jobs_failed_total{queue="b",task="broken"}') === 1, 'the counters to catch up');
    expect(value(text, 'ordo_jobs_enqueued_total{queue="a",task="greet"}')).toBe(2);
    expect(value(text, 'ordo_jobs_started_total{queue="a",task="greet"}')).toBe(2);
    expect(value(text, 'ordo_jobs_succeeded_total{queue="a",task="greet"}')).toBe(2);
    expect(value(text, 'ordo_jobs_retried_total{queue="b",task="broken"}')).toBe(1);
    expect(value(text, 'ordo_job_run_seconds_count{queue="b",task="broken"}')).toBe(2);
    expect(value(text, 'ordo_queue_jobs{queue="b",state="delayed"}')).toBe(1);
    expect(value(text, 'ordo_queue_jobs{queue="a",state="pending"}')).toBe(0);
    expect(value(text, 'ordo_queue_oldest_due_age_seconds{queue="a"}')).toBe(0);
    expect(value(text, 'ordo_workers_alive')).toBe(1);
    expect(text).toMatch(/^ordo_http_requests_total\{method="POST",route="\/api\/v1\/jobs",status="201"\} 5$/m);
  });
});

describe('two servers on one PostgreSQL', () => {
  const serve = useServers(postgresFixture);
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('see the same jobs and the same events, whichever server and worker made them', async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    for (let i = 0; i < 3; i++) stores.push(await openStore(db, { schema }));
    const [storeA, storeB, workerStore] = stores as [Store, Store, Store];
    const first = await serve({ tasks: TASKS, store: storeA });
    const second = await serve({ tasks: TASKS, store: storeB });
    const admin = await first.token('admin');
    // A token made through one server works on the other: both read the same table.
    expect((await second.call('GET', '/api/v1/queues', { token: admin })).status).toBe(200);
    await Promise.all([first.ordo.feed().ready(), second.ordo.feed().ready()]);
    const streams = await Promise.all([first, second].map((api) => readEvents(`${api.url}${SERVICE_PATHS.events}?queue=a`, admin)));
    await startWorker(workerStore, 'w-shared');

    const viaFirst = await enqueue(first, admin, 'greet', 'a');
    const viaSecond = await enqueue(second, admin, 'greet', 'a');
    for (const stream of streams) {
      await stream.waitFor((events) => [viaFirst, viaSecond].every((id) => jobEvents(events, id).includes('job:finished')), 'both jobs to finish on both servers');
      expect(jobEvents(stream.events, viaFirst)).toEqual(['job:enqueued', 'job:started', 'job:finished']);
      expect(jobEvents(stream.events, viaSecond)).toEqual(['job:enqueued', 'job:started', 'job:finished']);
      stream.close();
    }
    const [fromFirst, fromSecond] = await Promise.all([first, second].map(async (api) => (await api.call('GET', '/api/v1/jobs?queue=a', { token: admin })).body));
    expect(fromFirst.jobs.map((j: { id: string }) => j.id)).toEqual([viaSecond, viaFirst]);
    expect(fromSecond).toEqual(fromFirst);
    expect((await second.call('GET', `/api/v1/jobs/${viaFirst}`, { token: admin })).body).toMatchObject({ state: 'succeeded', result: { hello: 'a' }, lockedBy: 'w-shared' });
  });
});
