/**
 * Durable functions over the HTTP API, on both engines, over real HTTP: `POST /api/v1/events`
 * stores the first emit of a key and wakes the runs waiting on it (their `main` job due now),
 * is audited, refuses a bad body naming the field and a read token with 403; a function run
 * read through `GET /workflows/runs/{id}` carries its checkpoints and its parent; the OpenAPI
 * document describes the emit next to the event stream on the same path.
 *
 * The run's state is built as its worker would write it, through the store contract: the
 * function's `main` job claimed, checkpoints written under that claim, the job released.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/api/routes.js';
import type { Store } from '../src/store/contract.js';
import { DAY, HOUR, checkpoint, claimMain, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { decode, useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

/** A function run part-way: a step done, a child spawned and done, now waiting for event `confirm:7`. */
async function waitingRun(store: Store): Promise<{ runId: string; childRunId: string; jobId: string }> {
  const { runId } = await store.workflowStart({ definition: functionDef('onboard', 'onboard-q'), input: { user: 7 } });
  const main = await claimMain(store, 'onboard-q');
  expect(await writeAs(store, main, checkpoint(0, { name: 'charge', attempts: 2, result: { charged: 42 } }))).toBe(true);
  const child = await store.workflowStart({ definition: functionDef('resize', 'resize-q'), input: null, parentRunId: runId, uniqueKey: `spawn:${runId}:1` });
  expect(await writeAs(store, main, checkpoint(1, { name: 'resize', kind: 'spawn', state: 'succeeded', attempts: 0, childRunId: child.runId, result: { w: 10 } }))).toBe(true);
  const until = new Date(Date.now() + HOUR);
  expect(await writeAs(store, main, checkpoint(2, { name: 'confirm:7', kind: 'event', state: 'waiting', attempts: 0, eventKey: 'confirm:7', waitUntil: until }))).toBe(true);
  await release(store, main, DAY);
  return { runId, childRunId: child.runId, jobId: main.id };
}

describe.each(engines)('durable functions over HTTP on $name', (engine) => {
  const serve = useServers(engine);

  it('emits an event: the first emit of a key wins, the waiting run is woken, and the emit is audited', async () => {
    const api = await serve();
    const write = await api.token('write');
    const { runId, jobId } = await waitingRun(api.store);
    expect((await api.ordo.job(jobId)).runAt.getTime()).toBeGreaterThan(Date.now() + HOUR);

    const first = await api.call('POST', '/api/v1/events', { token: write, body: { key: 'confirm:7', payload: { ok: true }, keep: '1h' } });
    expect(first.status).toBe(200);
    expect(decode(ROUTES['events.emit'].response, first.body)).toEqual({ stored: true, woken: 1 });
    // Woken: the released main job is due now, not in a day.
    expect((await api.ordo.job(jobId)).runAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    expect((await api.store.eventGet({ key: 'confirm:7' }))?.payload).toEqual({ ok: true });

    const second = await api.call('POST', '/api/v1/events', { token: write, body: { key: 'confirm:7', payload: { ok: false } } });
    expect(second.status).toBe(200);
    // Not stored, but the run still waits on the key (its job pending): it is made due again.
    expect(second.body).toEqual({ stored: false, woken: 1 });
    expect((await api.store.eventGet({ key: 'confirm:7' }))?.payload).toEqual({ ok: true });

    // Without a payload: stored as null.
    expect((await api.call('POST', '/api/v1/events', { token: write, body: { key: 'bare' } })).body).toEqual({ stored: true, woken: 0 });
    expect((await api.store.eventGet({ key: 'bare' }))?.payload).toBeNull();

    const audit = decode(ROUTES['audit.list'].response, (await api.call('GET', '/api/v1/audit', { token: write })).body);
    const emits = audit.entries.filter((e) => e.action === 'event.emit').map((e) => [e.target, e.actor, e.details]);
    expect(emits).toEqual([
      ['bare', 'test-write', { stored: true, woken: 0 }],
      ['confirm:7', 'test-write', { stored: false, woken: 1 }],
      ['confirm:7', 'test-write', { stored: true, woken: 1, keep: '1h' }],
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain('"ok"');
    expect(runId).toMatch(/^\d+$/);
  });

  it('refuses a bad body naming the field, and a read token with 403', async () => {
    const api = await serve();
    const write = await api.token('write');
    const read = await api.token('read');
    const bad = async (body: unknown) => {
      const answer = await api.call('POST', '/api/v1/events', { token: write, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      return answer.body as { field: string; detail: string };
    };
    expect((await bad({ payload: 1 })).field).toBe('key');
    expect((await bad({ key: '' })).field).toBe('key');
    expect((await bad({ key: 'k'.repeat(501) })).field).toBe('key');
    expect((await bad({ key: 'k', kepp: '1h' })).field).toBe('kepp');
    const keep = await bad({ key: 'k', keep: 'soon' });
    expect(keep.field).toBe('keep');
    expect(keep.detail).toContain('soon');
    expect((await bad([1, 2])).field).toBe('body');
    expect(await api.store.eventGet({ key: 'k' })).toBeNull();

    const forbidden = await api.call('POST', '/api/v1/events', { token: read, body: { key: 'k' } });
    expect(forbidden.status).toBe(403);
    expect((await api.call('POST', '/api/v1/events', { body: { key: 'k' } })).status).toBe(401);
    expect(await api.store.eventGet({ key: 'k' })).toBeNull();

    // The stream's GET and the emit's POST share the path: another method is a 405 naming both.
    const wrong = await api.call('DELETE', '/api/v1/events', { token: write });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  it('reads a function run with its checkpoints, and a child run with its parent', async () => {
    const api = await serve();
    const read = await api.token('read');
    const { runId, childRunId } = await waitingRun(api.store);
    const answer = await api.call('GET', `/api/v1/workflows/runs/${runId}`, { token: read });
    expect(answer.status).toBe(200);
    const run = decode(ROUTES['workflows.run'].response, answer.body);
    expect(run.definition.kind).toBe('function');
    expect(run.parentRunId).toBeNull();
    expect(run.checkpoints.map((c) => [c.seq, c.kind, c.name, c.state, c.attempts, c.result, c.childRunId, c.eventKey])).toEqual([
      [0, 'step', 'charge', 'succeeded', 2, { charged: 42 }, null, null],
      [1, 'spawn', 'resize', 'succeeded', 0, { w: 10 }, childRunId, null],
      [2, 'event', 'confirm:7', 'waiting', 0, null, null, 'confirm:7'],
    ]);
    expect(run.checkpoints[0]!.startedAt).toBeInstanceOf(Date);
    expect(run.checkpoints[0]!.finishedAt).toBeInstanceOf(Date);
    expect(run.checkpoints[2]!.waitUntil).toBeInstanceOf(Date);
    // The same as the client on the database reads it.
    expect(run).toEqual(await api.ordo.workflows.getRun(runId));

    const child = decode(ROUTES['workflows.run'].response, (await api.call('GET', `/api/v1/workflows/runs/${childRunId}`, { token: read })).body);
    expect(child).toMatchObject({ parentRunId: runId, checkpoints: [] });
  });

  it('describes the emit in the OpenAPI document, on the event stream’s path', async () => {
    const api = await serve();
    const doc = (await api.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; 'x-scope'?: string; requestBody?: unknown }>> };
    const events = doc.paths['/api/v1/events']!;
    expect(events.get?.operationId).toBe('events.stream');
    expect(events.post).toMatchObject({ operationId: 'events.emit', 'x-scope': 'write' });
    expect(JSON.stringify(events.post!.requestBody)).toContain('"key"');
    const runSchema = JSON.stringify(doc.paths['/api/v1/workflows/runs/{id}']!.get);
    expect(runSchema).toContain('checkpoints');
    expect(runSchema).toContain('parentRunId');
  });
});
