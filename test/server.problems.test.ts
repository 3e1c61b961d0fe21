/**
 * Errors as RFC 9457 problems (`application/problem+json`) for each class of error: invalid
 * input names the field, not found, conflict, body too large (with the configured limit),
 * wrong media type, bad JSON, unknown route, wrong method; an unexpected failure is a 500
 * that gives nothing internal away. And the OpenAPI 3.1 document (every route of the table,
 * every reference resolving) with its docs page, served with all its assets by the server.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is walked as the plain JSON it is */
import { afterAll, describe, expect, it } from 'vitest';
import { API_PREFIX, ROUTES, SERVICE_PATHS, type RouteId } from '../src/api/routes.js';
import { problem as problemSchema } from '../src/api/wire.js';
import { dropCreatedSchemas, sqliteFixture } from './support/engines.js';
import { useServers, type Answer } from './support/server.js';

afterAll(dropCreatedSchemas);

function expectProblem(answer: Answer, status: number, fields: Record<string, unknown> = {}): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = problemSchema.parse(answer.body);
  expect(body).toMatchObject({ status, type: `urn:ordo:problem:${body.code}`, requestId: answer.headers.get('x-request-id'), ...fields });
  expect(body.title.length).toBeGreaterThan(0);
}

describe('problems', () => {
  const serve = useServers(sqliteFixture);

  it('answer each kind of bad request with a problem naming what was wrong', async () => {
    const api = await serve({ options: { bodyLimit: 2048 } });
    const token = await api.token('admin');
    const post = (body: unknown, headers: Record<string, string> = {}) => api.call('POST', '/api/v1/jobs', { token, body, headers });

    expectProblem(await post('{"task": "a",'), 400, { code: 'invalid_argument', field: 'body', expected: 'valid JSON' });
    expectProblem(await post(''), 400, { field: 'body', received: 'nothing' });
    expectProblem(await post([1, 2]), 400, { field: 'body', received: 'array [1,2]' });
    expectProblem(await post({ task: 'a', dealy: '5s' }), 400, { field: 'dealy', received: 'string "5s"' });
    expectProblem(await post({ task: 'a', retry: { base: 1 } }), 400, { field: 'retry.base' });
    expectProblem(await post({ task: 'a', priority: 'high' }), 400, { field: 'priority', expected: 'a number', received: 'string "high"' });
    expectProblem(await post({ task: 'x'.repeat(300) }), 400, { field: 'task', expected: 'a text of at most 200 characters' });
    expectProblem(await post({ task: 'a', runAt: '2026-02-30T00:00:00Z' }), 400, { field: 'runAt' });
    expectProblem(await post({ task: 'a', payload: 'text' }), 400, { field: 'payload' });
    expectProblem(await post('{"task":"a","__proto__":{"polluted":true}}'), 400, { field: 'body' });
    expectProblem(await post({ task: 'a', payload: { blob: 'x'.repeat(4096) } }), 413, { code: 'payload_too_large', field: 'body', expected: 'a body of at most 2048 bytes' });
    expectProblem(await post('task=a', { 'content-type': 'application/x-www-form-urlencoded' }), 415, { code: 'unsupported_media_type', field: 'content-type' });
    expectProblem(await post('task a', { 'content-type': 'text/plain' }), 415);
    expectProblem(await api.call('GET', '/api/v1/nothing-here', { token }), 404, { code: 'not_found', instance: '/api/v1/nothing-here' });
    const wrongMethod = await api.call('PUT', '/api/v1/jobs/1', { token });
    expectProblem(wrongMethod, 405, { code: 'method_not_allowed' });
    expect(wrongMethod.headers.get('allow')).toBe('GET, DELETE');
    expectProblem(await api.call('GET', '/api/v1/jobs/%E0%A4%A', { token }), 400, { field: 'url' });
    expectProblem(await api.call('GET', `/api/v1/jobs/${'9'.repeat(1000)}`, { token }), 400, { field: 'id' });
    expectProblem(await api.call('GET', `/api/v1/jobs/${'9'.repeat(5000)}`, { token }), 414, { field: 'url' });
    expectProblem(await api.call('GET', '/api/v1/jobs/1%00', { token }), 400, { field: 'id' });
    expectProblem(await api.call('GET', '/api/v1/jobs?state=done', { token }), 400, { field: 'state.0' });
    expectProblem(await api.call('GET', '/api/v1/jobs?limit=1&limit=2', { token }), 400, { field: 'limit' });
    expectProblem(await api.call('GET', '/api/v1/jobs/123', { token }), 404, { code: 'not_found', details: { what: 'job', id: '123' } });
    // The job's state conflict is a 409 with the details a client rebuilds the error from.
    const { id } = (await post({ task: 'a' })).body;
    await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token });
    expectProblem(await api.call('POST', `/api/v1/jobs/${id}/retry`, { token }).then(() => api.call('POST', `/api/v1/jobs/${id}/retry`, { token })), 409, { code: 'conflict' });
  });

  it('answer an unexpected failure with a 500 that names the request id and nothing internal', async () => {
    const api = await serve();
    const token = await api.token('read');
    // A fault in the client, as a bug would cause: the problem hides its message.
    api.ordo.stats = async () => {
      throw new TypeError('secret internal detail at /srv/ordo/x.js');
    };
    const answer = await api.call('GET', '/api/v1/queues', { token });
    expectProblem(answer, 500, { code: 'internal' });
    expect(JSON.stringify(answer.body)).not.toContain('secret');
    expect(answer.body.detail).toContain(answer.headers.get('x-request-id'));
  });
});

describe('the OpenAPI document and the docs', () => {
  const serve = useServers(sqliteFixture);

  it('is OpenAPI 3.1 and describes every route of the table, with parameters, bodies, answers and problems', async () => {
    const api = await serve();
    const answer = await api.call('GET', SERVICE_PATHS.openapi);
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Ordo API', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const operations = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries<any>(item)) {
        expect(['get', 'post', 'put', 'patch', 'delete']).toContain(method);
        expect(operations.has(op.operationId), `operationId ${op.operationId} unique`).toBe(false);
        operations.add(op.operationId);
        const inPath = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect(inPath.sort(), `${method} ${path}`).toEqual(placeholders.sort());
        for (const parameter of op.parameters ?? []) expect(parameter).toMatchObject({ name: expect.any(String), in: expect.stringMatching(/^(path|query)$/), schema: expect.any(Object) });
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const status of Object.keys(op.responses)) expect(status).toMatch(/^[1-5]\d\d$/);
      }
    }
    const tags = doc.tags.map((tag: any) => tag.name);
    for (const [id, spec] of Object.entries(ROUTES) as [RouteId, (typeof ROUTES)[RouteId]][]) {
      expect(tags, `tag of ${id} declared`).toContain(spec.tag);
      const op = doc.paths[API_PREFIX + spec.path]?.[spec.method.toLowerCase()];
      expect(op, id).toMatchObject({ operationId: id, tags: [spec.tag] });
      expect(op.responses[String('status' in spec ? spec.status : 200)]).toBeDefined();
      if ('body' in spec) expect(op.requestBody.content['application/json'].schema.type).toBe('object');
      expect(op.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    }
    for (const path of Object.values(SERVICE_PATHS).filter((p) => p !== SERVICE_PATHS.docs)) expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths[SERVICE_PATHS.health].get.security).toEqual([]);
    // Every reference points at something in the document.
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const target = ref.slice(8, -1).replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], doc);
      expect(target, ref).toBeDefined();
    }
    expect(doc.components.schemas.Problem.properties).toHaveProperty('field');
    // The query of the job listing, from its zod schema: an unknown parameter is refused, a known one described.
    const list = doc.paths[`${API_PREFIX}/jobs`].get.parameters.map((p: any) => p.name);
    expect(list).toEqual(expect.arrayContaining(['state', 'queue', 'task', 'worker', 'createdFrom', 'createdTo', 'q', 'resultQ', 'payloadContains', 'resultContains', 'limit', 'cursor']));
  });

  it('serves /docs with every asset from this server and a policy that allows no other', async () => {
    const api = await serve();
    const page = await fetch(`${api.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      const response = await fetch(new URL(asset, `${api.url}/docs`));
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const initializer = await (await fetch(`${api.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain("resolveUrl('./json')");
    expect(initializer).toMatch(/validatorUrl: null/);
    const spec = (await (await fetch(`${api.url}/docs/json`)).json()) as { openapi: string; paths: object };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths).length).toBeGreaterThan(10);
  });
});
