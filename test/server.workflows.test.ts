/**
 * The workflow routes of the HTTP API over real HTTP, on both engines, with a worker in the
 * test process running the runs: stored definitions, a run started by name (201, or 200 for
 * a unique key already used; the request id its trace id), read with its steps as the route's
 * schema decodes them, listed with filters and a cursor, cancelled and retried (409 while a
 * step still runs), each action in the audit log. Unknown workflows and runs 404, bad input
 * 400 naming the field, a read token 403 on writes; the OpenAPI document describes them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ROUTES } from '../src/api/routes.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { decode, type TestServer } from './support/server.js';
import { runInState, switches, useWorkflowServers } from './support/workflow-fixtures.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

describe.each(engines)('workflow routes on $name', (engine) => {
  const serve = useWorkflowServers(engine);

  async function setup(): Promise<{ api: TestServer; admin: string; read: string; getRun: (id: string) => Promise<z.output<(typeof ROUTES)['workflows.run']['response']>> }> {
    const api = await serve();
    const admin = await api.token('admin');
    const read = await api.token('read');
    const getRun = async (id: string) => {
      const answer = await api.call('GET', `/api/v1/workflows/runs/${id}`, { token: read });
      expect(answer.status).toBe(200);
      return decode(ROUTES['workflows.run'].response, answer.body);
    };
    return { api, admin, read, getRun };
  }

  it('lists and reads stored definitions; an unknown one is a 404 naming it', async () => {
    const { api, read } = await setup();
    const list = decode(ROUTES['workflows.list'].response, (await api.call('GET', '/api/v1/workflows', { token: read })).body);
    expect(list.workflows.map((w) => w.name).sort()).toEqual(['diamond', 'held', 'parked']);
    const got = await api.call('GET', '/api/v1/workflows/diamond', { token: read });
    expect(got.status).toBe(200);
    const record = decode(ROUTES['workflows.get'].response, got.body);
    expect(record.updatedAt).toBeInstanceOf(Date);
    expect(record.definition.description).toBe('a, then b and c, then d with both');
    expect(record.definition.steps.map((s) => [s.name, s.dependsOn.map((e) => e.step)])).toEqual([['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]);
    const unknown = await api.call('GET', '/api/v1/workflows/nope', { token: read });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('nope');
  });

  it('starts a run by name, runs it to the end, and reads it with its steps', async () => {
    const { api, admin, getRun } = await setup();
    const started = await api.call('POST', '/api/v1/workflows/diamond/runs', { token: admin, body: { input: { n: 3 }, uniqueKey: 'nightly-1' }, headers: { 'x-request-id': 'wf-trace-1' } });
    expect(started.status).toBe(201);
    const { runId, created } = decode(ROUTES['workflows.start'].response, started.body);
    expect(created).toBe(true);
    const again = await api.call('POST', '/api/v1/workflows/diamond/runs', { token: admin, body: { input: { n: 9 }, uniqueKey: 'nightly-1' } });
    expect(again.status).toBe(200);
    expect(decode(ROUTES['workflows.start'].response, again.body)).toEqual({ runId, created: false });

    const run = await runInState(getRun, runId, 'succeeded');
    expect(run).toMatchObject({ id: runId, workflow: 'diamond', input: { n: 3 }, traceId: 'wf-trace-1', error: null });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.steps.map((s) => [s.step, s.state, s.result])).toEqual([
      ['a', 'succeeded', { n: 3 }],
      ['b', 'succeeded', 4],
      ['c', 'succeeded', 6],
      ['d', 'succeeded', { b: 4, c: 6 }],
    ]);
    expect(run.steps.every((s) => s.jobId !== null && s.jobState === 'succeeded')).toBe(true);
    // The steps' jobs carry the request's id as their trace id.
    expect((await api.ordo.job(run.steps[3]!.jobId!)).traceId).toBe('wf-trace-1');
  });

  it('retries a failed run keeping the steps that succeeded; 409 while a step still runs', async () => {
    const { api, admin, getRun } = await setup();
    switches.failB = true;
    const { runId } = (await api.call('POST', '/api/v1/workflows/diamond/runs', { token: admin, body: { input: { n: 1 } } })).body as { runId: string };
    const failed = await runInState(getRun, runId, 'failed');
    expect(failed.error?.message).toContain('b');
    expect(Object.fromEntries(failed.steps.map((s) => [s.step, s.state]))).toMatchObject({ a: 'succeeded', b: 'failed', d: 'cancelled' });
    expect(failed.steps[1]!.error?.message).toBe('b is broken');
    const firstA = failed.steps[0]!.jobId;

    switches.failB = false;
    const retried = await api.call('POST', `/api/v1/workflows/runs/${runId}/retry`, { token: admin });
    expect(retried.status).toBe(200);
    expect(decode(ROUTES['workflows.retry'].response, retried.body)).toEqual({ id: runId, retried: true, state: 'running' });
    const done = await runInState(getRun, runId, 'succeeded');
    expect(done.steps[0]).toMatchObject({ jobId: firstA, result: { n: 1 } });
    expect(done.steps[3]!.result).toEqual({ b: 2, c: 2 });
    const nothing = await api.call('POST', `/api/v1/workflows/runs/${runId}/retry`, { token: admin });
    expect(decode(ROUTES['workflows.retry'].response, nothing.body)).toEqual({ id: runId, retried: false, state: 'succeeded' });

    // A cancelled run whose step has not stopped yet cannot run again until it has.
    const { runId: heldId } = (await api.call('POST', '/api/v1/workflows/held/runs', { token: admin, body: {} })).body as { runId: string };
    await waitFor(() => getRun(heldId), (run) => run.steps[0]!.jobState === 'running', 'the held step to run');
    const cancelled = await api.call('POST', `/api/v1/workflows/runs/${heldId}/cancel`, { token: admin });
    expect(decode(ROUTES['workflows.cancel'].response, cancelled.body)).toEqual({ id: heldId, state: 'cancelled' });
    const conflict = await api.call('POST', `/api/v1/workflows/runs/${heldId}/retry`, { token: admin });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'conflict', status: 409 });
  });

  it('cancels a run, lists runs with filters and a cursor, and audits every action', async () => {
    const { api, admin, read, getRun } = await setup();
    const start = async (name: string, input: unknown) => ((await api.call('POST', `/api/v1/workflows/${name}/runs`, { token: admin, body: { input } })).body as { runId: string }).runId;
    const parkedId = await start('parked', null);
    const cancelled = await api.call('POST', `/api/v1/workflows/runs/${parkedId}/cancel`, { token: admin });
    expect(cancelled.status).toBe(200);
    expect(decode(ROUTES['workflows.cancel'].response, cancelled.body)).toEqual({ id: parkedId, state: 'cancelled' });
    expect((await getRun(parkedId)).steps.map((s) => [s.step, s.state])).toEqual([['wait', 'cancelled']]);
    const first = await start('diamond', { n: 1 });
    const second = await start('diamond', { n: 2 });
    await runInState(getRun, first, 'succeeded');
    await runInState(getRun, second, 'succeeded');

    const page = decode(ROUTES['workflows.runs'].response, (await api.call('GET', '/api/v1/workflows/runs?workflow=diamond&state=succeeded,failed&limit=1', { token: read })).body);
    expect(page).toMatchObject({ total: 2, runs: [{ id: second, workflow: 'diamond', state: 'succeeded', steps: { succeeded: 4 } }] });
    expect(page.runs[0]!.createdAt).toBeInstanceOf(Date);
    const next = decode(ROUTES['workflows.runs'].response, (await api.call('GET', `/api/v1/workflows/runs?workflow=diamond&limit=1&cursor=${page.nextCursor}`, { token: read })).body);
    expect(next.runs.map((r) => r.id)).toEqual([first]);
    const all = decode(ROUTES['workflows.runs'].response, (await api.call('GET', '/api/v1/workflows/runs?state=cancelled', { token: read })).body);
    expect(all.runs.map((r) => [r.id, r.state])).toEqual([[parkedId, 'cancelled']]);

    const audit = decode(ROUTES['audit.list'].response, (await api.call('GET', '/api/v1/audit', { token: admin })).body);
    const entries = audit.entries.map((e) => [e.action, e.target, e.actor]);
    expect(entries).toContainEqual(['workflow.start', 'parked', 'test-admin']);
    expect(entries).toContainEqual(['workflow-run.cancel', parkedId, 'test-admin']);
    expect(entries.filter(([action]) => action === 'workflow.start')).toHaveLength(3);
  });

  it('refuses bad input (400, naming the field), unknown names and runs (404) and read tokens (403)', async () => {
    const { api, admin, read } = await setup();
    const misspelt = await api.call('POST', '/api/v1/workflows/diamond/runs', { token: admin, body: { inptu: { n: 1 } } });
    expect(misspelt.status).toBe(400);
    expect(misspelt.body).toMatchObject({ field: 'inptu' });
    const badState = await api.call('GET', '/api/v1/workflows/runs?state=done', { token: read });
    expect(badState.status).toBe(400);
    expect(badState.body).toMatchObject({ field: 'state.0', expected: expect.stringContaining('running'), received: expect.stringContaining('done') });
    const badLimit = await api.call('GET', '/api/v1/workflows/runs?limit=0', { token: read });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body).toMatchObject({ field: 'limit' });

    const unknownWorkflow = await api.call('POST', '/api/v1/workflows/nope/runs', { token: admin, body: {} });
    expect(unknownWorkflow.status).toBe(404);
    expect(unknownWorkflow.body.detail).toContain('nope');
    for (const [method, path] of [['GET', '/api/v1/workflows/runs/999999'], ['POST', '/api/v1/workflows/runs/999999/cancel'], ['POST', '/api/v1/workflows/runs/999999/retry']] as const) {
      const answer = await api.call(method, path, { token: admin });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.detail).toContain('999999');
    }

    for (const path of ['/api/v1/workflows/diamond/runs', '/api/v1/workflows/runs/1/cancel', '/api/v1/workflows/runs/1/retry']) {
      const refused = await api.call('POST', path, { token: read, body: {} });
      expect(refused.status, path).toBe(403);
    }
    expect((await api.call('GET', '/api/v1/workflows/runs', { token: read })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/workflows')).status).toBe(401);
    expect((await api.ordo.workflows.listRuns()).total).toBe(0);
  });

  it('describes the routes in the OpenAPI document', async () => {
    const { api } = await setup();
    const doc = (await api.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; 'x-scope': string }>> };
    expect(doc.paths['/api/v1/workflows']?.get?.operationId).toBe('workflows.list');
    expect(doc.paths['/api/v1/workflows/{name}']?.get?.operationId).toBe('workflows.get');
    const start = doc.paths['/api/v1/workflows/{name}/runs']?.post;
    expect(start?.['x-scope']).toBe('write');
    expect(Object.keys(start?.responses ?? {})).toEqual(expect.arrayContaining(['200', '201', '400', '403', '404']));
    expect(doc.paths['/api/v1/workflows/runs']?.get?.operationId).toBe('workflows.runs');
    expect(doc.paths['/api/v1/workflows/runs/{id}']?.get?.operationId).toBe('workflows.run');
    expect(doc.paths['/api/v1/workflows/runs/{id}/cancel']?.post?.operationId).toBe('workflows.cancel');
    expect(Object.keys(doc.paths['/api/v1/workflows/runs/{id}/retry']?.post?.responses ?? {})).toContain('409');
  });
});
