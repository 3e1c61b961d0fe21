/**
 * Flow control over real HTTP, on both engines: PUT, GET and DELETE of a queue's limits and
 * flow with their statuses and decoded bodies, 400s naming the field, the write scope, the
 * OpenAPI document describing them, a job's concurrency key and wait reason, queue stats with
 * limits and a pause, and /metrics with each limited queue's limits and pause (no key labels).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/api/routes.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { decode, useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

const build = defineTask('build', { queue: 'reports' }, async () => null);

describe.each(engines)('flow control over HTTP on $name', (engine) => {
  const serve = useServers(engine);

  it('PUT changes limits field by field, GET flow reads them, DELETE removes them', async () => {
    const api = await serve({ tasks: [build] });
    const write = await api.token('write');
    const put = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { concurrency: 1, rate: '20/s', burst: 2 } });
    expect(put.status).toBe(200);
    expect(decode(ROUTES['queues.setLimits'].response, put.body)).toEqual({ concurrency: 1, rate: { limit: 20, periodMs: 1_000, burst: 2 }, keyConcurrency: null, keyRate: null, fair: false });
    const more = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { keyConcurrency: 1, rate: null } });
    expect(more.body).toMatchObject({ concurrency: 1, rate: null, keyConcurrency: 1 });

    const first = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', concurrencyKey: 'acme' } });
    const second = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', concurrencyKey: 'acme' } });
    await api.store.jobClaim({ workerId: 'w', queues: ['reports'], limit: 5, leaseMs: 30_000 });

    const flow = await api.call('GET', '/api/v1/queues/reports/flow?keys=5&key=acme', { token: write });
    expect(flow.status).toBe(200);
    const decoded = decode(ROUTES['queues.flow'].response, flow.body);
    expect(decoded).toMatchObject({ queue: 'reports', running: 1, due: 1, pausedUntil: null, key: { key: 'acme', running: 1, pending: 1 } });
    expect(decoded.busiestKeys).toEqual([{ key: 'acme', running: 1, pending: 1 }]);

    const job = await api.call('GET', `/api/v1/jobs/${second.body.id}`, { token: write });
    expect(decode(ROUTES['jobs.get'].response, job.body)).toMatchObject({ concurrencyKey: 'acme', waitingFor: 'queue reports concurrency limit: 1 of 1 running' });
    const running = await api.call('GET', `/api/v1/jobs/${first.body.id}`, { token: write });
    expect(running.body).toMatchObject({ state: 'running', concurrencyKey: 'acme', waitingFor: null });

    const queues = decode(ROUTES['queues.list'].response, (await api.call('GET', '/api/v1/queues', { token: write })).body).queues;
    expect(queues.find((q) => q.queue === 'reports')).toMatchObject({ limits: { concurrency: 1, keyConcurrency: 1 }, pausedUntil: null });

    const metrics = await api.call('GET', '/metrics', { token: write });
    expect(metrics.body).toContain('ordo_queue_limit{queue="reports",limit="concurrency"} 1');
    expect(metrics.body).toContain('ordo_queue_limit{queue="reports",limit="key_concurrency"} 1');
    expect(metrics.body).toContain('ordo_queue_paused_seconds{queue="reports"} 0');
    expect(metrics.body).not.toContain('acme');

    const removed = await api.call('DELETE', '/api/v1/queues/reports/limits', { token: write });
    expect(removed.status).toBe(204);
    const after = decode(ROUTES['queues.flow'].response, (await api.call('GET', '/api/v1/queues/reports/flow', { token: write })).body);
    expect(after.limits).toEqual({ concurrency: null, rate: null, keyConcurrency: null, keyRate: null, fair: false });
    expect((await api.call('GET', `/api/v1/jobs/${second.body.id}`, { token: write })).body.waitingFor).toBeNull();
    expect((await api.call('GET', '/metrics', { token: write })).body).not.toContain('ordo_queue_limit{queue="reports"');
  });

  it('answers 400 naming the field, 404 for the flow of an unknown queue, 403 to a read token', async () => {
    const api = await serve({ tasks: [build] });
    const write = await api.token('write');
    const read = await api.token('read');
    const badRate = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { rate: 'lots' } });
    expect(badRate.status).toBe(400);
    expect(badRate.body).toMatchObject({ code: 'invalid_argument', field: 'rate', received: 'string "lots"' });
    const badCount = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { concurrency: 0 } });
    expect(badCount.body).toMatchObject({ status: 400, field: 'concurrency' });
    const loneBurst = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { keyBurst: 3 } });
    expect(loneBurst.body).toMatchObject({ status: 400, field: 'keyBurst' });
    const unknown = await api.call('PUT', '/api/v1/queues/reports/limits', { token: write, body: { concurency: 3 } });
    expect(unknown.status).toBe(400);
    const badKeys = await api.call('GET', '/api/v1/queues/reports/flow?keys=5000', { token: write });
    expect(badKeys.body).toMatchObject({ status: 400, field: 'keys' });
    expect((await api.call('GET', '/api/v1/queues/nowhere/flow', { token: write })).status).toBe(404);
    expect((await api.call('PUT', '/api/v1/queues/reports/limits', { token: read, body: { concurrency: 1 } })).status).toBe(403);
    expect((await api.call('DELETE', '/api/v1/queues/reports/limits', { token: read })).status).toBe(403);
    const badDebounce = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', debounce: { key: 'k', for: '5s' }, delay: '1m' } });
    expect(badDebounce.body).toMatchObject({ status: 400, field: 'debounce' });
  });

  it('enqueues with debounce and throttle; the OpenAPI document describes the flow routes', async () => {
    const api = await serve({ tasks: [build] });
    const write = await api.token('write');
    const d1 = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', payload: { n: 1 }, debounce: { key: 'd', for: '10s' } } });
    const d2 = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', payload: { n: 2 }, debounce: { key: 'd', for: '10s' } } });
    expect(d2.body).toEqual({ id: d1.body.id, created: false });
    expect((await api.ordo.job(d1.body.id)).payload).toEqual({ n: 2 });
    const t1 = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', throttle: { key: 't', for: '1m' } } });
    const t2 = await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'build', throttle: { key: 't', for: '1m' } } });
    expect(t2.body).toEqual({ id: t1.body.id, created: false });

    const doc = (await api.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const limits = doc.paths['/api/v1/queues/{name}/limits']!;
    expect(Object.keys(limits).sort()).toEqual(['delete', 'put']);
    expect(JSON.stringify(limits.put!.requestBody)).toContain('keyConcurrency');
    expect(doc.paths['/api/v1/queues/{name}/flow']).toHaveProperty('get');
    expect(JSON.stringify(doc.paths['/api/v1/jobs']!)).toContain('debounce');
  });
});
