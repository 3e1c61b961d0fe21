/**
 * Every operation of the HTTP API over real HTTP, on both engines: its status, and its body
 * decoded with the route's own response schema (so the answer has the shape the OpenAPI
 * document promises); request ids become trace ids; unknown jobs 404, state conflicts 409,
 * unknown tasks 422, bad input 400 naming the field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ROUTES } from '../src/api/routes.js';
import { createLogger } from '../src/core/logger.js';
import { PermanentError } from '../src/core/errors.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { decode, useServers } from './support/server.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

const greet = defineTask('greet', { schema: z.object({ name: z.string() }), queue: 'mail' }, async ({ name }: { name: string }) => ({ hello: name }));
const broken = defineTask('broken', async () => {
  throw new PermanentError('always broken');
});

describe.each(engines)('HTTP API routes on $name', (engine) => {
  const serve = useServers(engine);

  it('jobs: create, create many, list with filters and cursor, get, cancel, delete, retry', async () => {
    const api = await serve({ tasks: [greet, broken] });
    const admin = await api.token('admin');

    const created = await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'greet', payload: { name: 'ada' }, delay: '1h' }, headers: { 'x-request-id': 'req-trace-1' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-trace-1');
    const { id } = decode(ROUTES['jobs.create'].response, created.body);

    const own = await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'greet', payload: { name: 'bob' }, traceId: 'mine', runAt: Math.floor(Date.now() / 1000) + 3600 } });
    const many = await api.call('POST', '/api/v1/jobs/batch', { token: admin, body: { jobs: [{ task: 'greet', payload: { name: 'c' } }, { task: 'broken', queue: 'other' }] } });
    expect(many.status).toBe(201);
    const batch = decode(ROUTES['jobs.createMany'].response, many.body);
    expect(batch.jobs).toHaveLength(2);

    const got = await api.call('GET', `/api/v1/jobs/${id}`, { token: admin });
    expect(got.status).toBe(200);
    const job = decode(ROUTES['jobs.get'].response, got.body);
    expect(job).toMatchObject({ id, task: 'greet', queue: 'mail', state: 'pending', payload: { name: 'ada' }, traceId: 'req-trace-1' });
    expect(job.runAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    expect((await api.ordo.job(decode(ROUTES['jobs.create'].response, own.body).id)).traceId).toBe('mine');
    // Without an x-request-id the server makes one, and that is the job's trace id.
    const made = await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'greet', payload: { name: 'd' } } });
    const madeId = made.headers.get('x-request-id');
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await api.ordo.job(made.body.id)).traceId).toBe(madeId);

    const mail = await api.call('GET', '/api/v1/jobs?queue=mail&state=pending&limit=2', { token: admin });
    expect(mail.status).toBe(200);
    const page = decode(ROUTES['jobs.list'].response, mail.body);
    expect(page.total).toBe(4);
    expect(page.jobs).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const next = decode(ROUTES['jobs.list'].response, (await api.call('GET', `/api/v1/jobs?queue=mail&limit=2&cursor=${page.nextCursor}`, { token: admin })).body);
    expect([...page.jobs, ...next.jobs].map((j) => j.id)).toEqual([made.body.id, batch.jobs[0]!.id, decode(ROUTES['jobs.create'].response, own.body).id, id]);
    const searched = decode(ROUTES['jobs.list'].response, (await api.call('GET', '/api/v1/jobs?q=ADA&task=greet', { token: admin })).body);
    expect(searched.jobs.map((j) => j.id)).toEqual([id]);
    const since = decode(ROUTES['jobs.list'].response, (await api.call('GET', `/api/v1/jobs?createdFrom=${Math.floor(Date.now() / 1000) + 60}`, { token: admin })).body);
    expect(since.total).toBe(0);

    const cancelled = await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token: admin });
    expect(cancelled.status).toBe(200);
    expect(decode(ROUTES['jobs.cancel'].response, cancelled.body)).toEqual({ state: 'cancelled', cancelRequested: false });
    const again = await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token: admin });
    expect(decode(ROUTES['jobs.cancel'].response, again.body)).toEqual({ state: 'cancelled', cancelRequested: false, already: true });
    const retried = await api.call('POST', `/api/v1/jobs/${id}/retry`, { token: admin, body: '', headers: { 'content-type': 'application/json' } });
    expect(retried.status).toBe(200);
    expect(decode(ROUTES['jobs.retry'].response, retried.body)).toEqual({ retried: true, state: 'pending' });
    const deleted = await api.call('DELETE', `/api/v1/jobs/${id}`, { token: admin });
    expect(decode(ROUTES['jobs.delete'].response, deleted.body)).toEqual({ id, deleted: true });
    expect((await api.call('GET', `/api/v1/jobs/${id}`, { token: admin })).status).toBe(404);
  });

  it('jobs: 404 for an unknown job, 409 for a conflict, 422 for an unknown task, 400 naming the bad field', async () => {
    const api = await serve({ tasks: [greet] });
    const write = await api.token('write');
    const missing = await api.call('GET', '/api/v1/jobs/999999', { token: write });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, code: 'not_found', detail: 'job "999999" does not exist' });

    const { id } = (await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'greet', payload: { name: 'x' } } })).body;
    const conflict = await api.call('POST', `/api/v1/jobs/${id}/retry`, { token: write });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'conflict', details: { id, state: 'pending' } });

    const unknown = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'nope' } });
    expect(unknown.status).toBe(422);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ field: 'task', received: 'string "nope"' });
    expect(unknown.body.expected).toContain('greet');
    expect(unknown.body.expected).toContain('http');
    const inBatch = await api.call('POST', '/api/v1/jobs/batch', { token: write, body: { jobs: [{ task: 'greet', payload: { name: 'a' } }, { task: 'nope' }] } });
    expect(inBatch.status).toBe(422);
    expect(inBatch.body.field).toBe('jobs.1.task');
    // The built-in http task is known to every server.
    const http = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'http', payload: { url: 'http://127.0.0.1:9/' } } });
    expect(http.status).toBe(201);

    const badPayload = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'greet', payload: { name: 5 } } });
    expect(badPayload.status).toBe(400);
    expect(badPayload.body.field).toBe('payload of task greet');
    const badDelay = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'greet', payload: { name: 'a' }, delay: 'soon' } });
    expect(badDelay.body).toMatchObject({ status: 400, code: 'invalid_argument', field: 'delay', received: 'string "soon"' });
    const badId = await api.call('GET', '/api/v1/jobs/abc', { token: write });
    expect(badId.body).toMatchObject({ status: 400, field: 'id', received: 'string "abc"' });
    const badCursor = await api.call('GET', '/api/v1/jobs?cursor=xyz', { token: write });
    expect(badCursor.body).toMatchObject({ status: 400, field: 'cursor' });
    const badLimit = await api.call('GET', '/api/v1/jobs?limit=0', { token: write });
    expect(badLimit.body).toMatchObject({ status: 400, field: 'limit', received: 'string "0"' });
    expect(badLimit.body.requestId).toBe(badLimit.headers.get('x-request-id'));
  });

  it('a server without tasks of its own takes any task name: its workers may be elsewhere', async () => {
    const api = await serve();
    const created = await api.call('POST', '/api/v1/jobs', { token: await api.token('write'), body: { task: 'elsewhere.task' } });
    expect(created.status).toBe(201);
  });

  it('schedules: create, list, get, update, pause, resume, run now, history, delete', async () => {
    const api = await serve({ tasks: [greet] });
    const write = await api.token('write');
    const body = { name: 'nightly', task: 'greet', payload: { name: 'n' }, cron: '0 3 * * *', tz: 'Europe/Paris' };
    const created = await api.call('POST', '/api/v1/schedules', { token: write, body });
    expect(created.status).toBe(201);
    expect(decode(ROUTES['schedules.create'].response, created.body)).toMatchObject({ name: 'nightly', timing: { kind: 'cron', cron: '0 3 * * *', tz: 'Europe/Paris' }, paused: false });
    expect((await api.call('POST', '/api/v1/schedules', { token: write, body })).status).toBe(409);
    expect((await api.call('POST', '/api/v1/schedules', { token: write, body: { ...body, name: 'other', task: 'nope' } })).status).toBe(422);

    const list = decode(ROUTES['schedules.list'].response, (await api.call('GET', '/api/v1/schedules', { token: write })).body);
    expect(list.schedules.map((s) => s.name)).toEqual(['nightly']);
    const detail = decode(ROUTES['schedules.get'].response, (await api.call('GET', '/api/v1/schedules/nightly', { token: write })).body);
    expect(detail.nextFires).toHaveLength(5);
    const updated = await api.call('PATCH', '/api/v1/schedules/nightly', { token: write, body: { every: '1h' } });
    expect(updated.status).toBe(200);
    expect(decode(ROUTES['schedules.update'].response, updated.body).timing).toMatchObject({ kind: 'every', everyMs: 3_600_000 });
    expect(decode(ROUTES['schedules.pause'].response, (await api.call('POST', '/api/v1/schedules/nightly/pause', { token: write })).body).paused).toBe(true);
    expect(decode(ROUTES['schedules.resume'].response, (await api.call('POST', '/api/v1/schedules/nightly/resume', { token: write })).body).paused).toBe(false);
    const fired = await api.call('POST', '/api/v1/schedules/nightly/run', { token: write });
    expect(fired.status).toBe(200);
    const fire = decode(ROUTES['schedules.run'].response, fired.body);
    expect(fire).toMatchObject({ schedule: 'nightly', manual: true });
    const history = decode(ROUTES['schedules.history'].response, (await api.call('GET', '/api/v1/schedules/nightly/history?limit=10', { token: write })).body);
    expect(history.fires.map((f) => f.jobId)).toEqual([fire.jobId]);
    const removed = await api.call('DELETE', '/api/v1/schedules/nightly', { token: write });
    expect(removed.status).toBe(204);
    expect(removed.body).toBeNull();
    expect((await api.call('GET', '/api/v1/schedules/nightly', { token: write })).status).toBe(404);
  });

  it('queues, workers, tasks and executions', async () => {
    const api = await serve({ tasks: [greet, broken] });
    const admin = await api.token('admin');
    const worker = createWorker({ store: api.store, tasks: [greet, broken], queues: ['mail', 'default'], name: 'w-routes', pollMs: 20, logger: createLogger({ level: 'silent' }) });
    await worker.start();
    try {
      const ok = (await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'greet', payload: { name: 'q' } } })).body.id as string;
      const bad = (await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'broken' } })).body.id as string;
      await waitFor(() => api.ordo.listJobs({ state: ['succeeded', 'failed'] }), (p) => p.total === 2, 'both jobs to end');

      const workers = decode(ROUTES['workers.list'].response, (await api.call('GET', '/api/v1/workers', { token: admin })).body);
      expect(workers.workers).toEqual([expect.objectContaining({ id: 'w-routes', queues: ['mail', 'default'], status: 'alive' })]);
      const tasks = decode(ROUTES['tasks.list'].response, (await api.call('GET', '/api/v1/tasks', { token: admin })).body);
      expect(tasks.tasks.find((t) => t.name === 'greet')).toMatchObject({ queue: 'mail', hasSchema: true, payloadSchema: expect.objectContaining({ type: 'object' }) });
      const failed = decode(ROUTES['executions.list'].response, (await api.call('GET', '/api/v1/executions?outcome=failed&worker=w-routes', { token: admin })).body);
      expect(failed.executions.map((e) => [e.jobId, e.outcome])).toEqual([[bad, 'failed']]);
      const all = decode(ROUTES['executions.list'].response, (await api.call('GET', '/api/v1/executions?limit=1', { token: admin })).body);
      expect(all.executions).toHaveLength(1);
      const rest = decode(ROUTES['executions.list'].response, (await api.call('GET', `/api/v1/executions?limit=1&cursor=${encodeURIComponent(all.nextCursor!)}`, { token: admin })).body);
      expect([...all.executions, ...rest.executions].map((e) => e.jobId).sort()).toEqual([ok, bad].sort());
    } finally {
      await worker.stop({ graceMs: 0 });
    }

    await api.call('POST', '/api/v1/jobs', { token: admin, body: { task: 'greet', payload: { name: 'later' }, delay: '1h' } });
    const paused = await api.call('POST', '/api/v1/queues/mail/pause', { token: admin });
    expect(decode(ROUTES['queues.pause'].response, paused.body)).toEqual({ queue: 'mail', paused: true });
    const queues = decode(ROUTES['queues.list'].response, (await api.call('GET', '/api/v1/queues', { token: admin })).body);
    expect(queues.queues.find((q) => q.queue === 'mail')).toMatchObject({ paused: true, pending: 1, delayed: 1, succeeded: 1 });
    expect(decode(ROUTES['queues.resume'].response, (await api.call('POST', '/api/v1/queues/mail/resume', { token: admin })).body)).toEqual({ queue: 'mail', paused: false });
    expect(decode(ROUTES['queues.clean'].response, (await api.call('POST', '/api/v1/queues/mail/clean', { token: admin })).body)).toEqual({ queue: 'mail', deleted: 1 });
    expect((await api.call('POST', '/api/v1/queues/no%20such/pause', { token: admin })).body).toMatchObject({ status: 400, field: 'queue' });
  });

  it('tokens: create (shown once), list (never a hash), revoke', async () => {
    const api = await serve();
    const admin = await api.token('admin');
    const created = await api.call('POST', '/api/v1/tokens', { token: admin, body: { scope: 'read', name: 'dashboard' } });
    expect(created.status).toBe(201);
    const { token, record } = decode(ROUTES['tokens.create'].response, created.body);
    expect(record).toMatchObject({ name: 'dashboard', scope: 'read', revokedAt: null });
    expect((await api.call('GET', '/api/v1/queues', { token })).status).toBe(200);
    const listed = await api.call('GET', '/api/v1/tokens', { token: admin });
    const tokens = decode(ROUTES['tokens.list'].response, listed.body).tokens;
    expect(tokens.map((t) => t.name).sort()).toEqual(['dashboard', 'test-admin']);
    expect(JSON.stringify(listed.body)).not.toMatch(/hash|ordo_[0-9a-f]{10}_/);
    const revoked = await api.call('DELETE', `/api/v1/tokens/${record.id}`, { token: admin });
    expect(decode(ROUTES['tokens.revoke'].response, revoked.body)).toEqual({ id: record.id, revoked: true });
    expect((await api.call('GET', '/api/v1/queues', { token })).status).toBe(401);
    expect(decode(ROUTES['tokens.revoke'].response, (await api.call('DELETE', `/api/v1/tokens/${record.id}`, { token: admin })).body).revoked).toBe(false);
    expect((await api.call('POST', '/api/v1/tokens', { token: admin, body: { scope: 'root' } })).body).toMatchObject({ status: 400, field: 'scope' });
  });
});
