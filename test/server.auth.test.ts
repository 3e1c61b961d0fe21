/**
 * Tokens guard every API route by scope, on both engines: missing, malformed, unknown and
 * revoked tokens get 401 with `WWW-Authenticate`; a read token cannot cancel (403); tokens,
 * queue clean and pause need admin; health and readiness need nothing. A revocation made on
 * another server takes effect once the token cache expires.
 */
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES, SERVICE_PATHS, type RouteId } from '../src/api/routes.js';
import { createLogger } from '../src/core/logger.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { useServers } from './support/server.js';
import { sleep } from './support/wait.js';

afterAll(dropCreatedSchemas);

/** A concrete path of a route: `{id}` and `{name}` filled in with values that exist or not (auth comes first). */
function pathOf(id: RouteId): string {
  return `/api/v1${ROUTES[id].path.replace('{id}', '1').replace('{name}', 'default')}`;
}

describe.each(engines)('API tokens on $name', (engine) => {
  const serve = useServers(engine);

  it('refuses every route and the event stream without a valid token, 401 with WWW-Authenticate, and logs no token', async () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    const api = await serve({ options: { logger } });
    const valid = await api.token('admin');
    expect((await api.call('GET', '/api/v1/queues', { token: valid, headers: { 'x-request-id': 'logged-1' } })).status).toBe(200);
    const forged = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const paths: [string, string][] = [...(Object.keys(ROUTES) as RouteId[]).map((id) => [ROUTES[id].method, pathOf(id)] as [string, string]), ['GET', SERVICE_PATHS.events], ['GET', SERVICE_PATHS.metrics]];
    for (const [method, path] of paths) {
      for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer ' }, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer not-a-token' }, { authorization: `Bearer ${forged}` }]) {
        const answer = await api.call(method, path, { headers });
        expect(answer.status, `${method} ${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="ordo"');
        expect(answer.body).toMatchObject({ status: 401, code: 'unauthorized' });
      }
    }
    for (const path of [SERVICE_PATHS.health, SERVICE_PATHS.ready, SERVICE_PATHS.openapi, SERVICE_PATHS.docs]) {
      expect((await api.call('GET', path)).status, path).toBe(200);
    }
    const log = lines.join('');
    expect(JSON.parse(lines.find((line) => line.includes('logged-1'))!)).toMatchObject({ msg: 'request', requestId: 'logged-1', method: 'GET', route: '/api/v1/queues', status: 200 });
    expect(log).not.toContain(valid.slice(5, 20));
    expect(log).not.toContain(forged.slice(-20));
    expect(log.toLowerCase()).not.toContain('authorization');
  });

  it('lets each scope do what it allows and no more: 403 naming the scope needed', async () => {
    const api = await serve();
    const read = await api.token('read');
    const write = await api.token('write');
    const admin = await api.token('admin');
    const { id } = (await api.call('POST', '/api/v1/jobs', { token: write, body: { task: 'any.task' } })).body;

    const cancelByRead = await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token: read });
    expect(cancelByRead.status).toBe(403);
    expect(cancelByRead.body).toMatchObject({ code: 'forbidden', details: { needs: 'write', has: 'read' } });
    expect(cancelByRead.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect((await api.call('GET', `/api/v1/jobs/${id}`, { token: read })).body.state).toBe('pending');
    expect((await api.call('DELETE', `/api/v1/jobs/${id}`, { token: read })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/jobs', { token: read, body: { task: 'any.task' } })).status).toBe(403);

    for (const [method, path] of [['POST', '/api/v1/queues/default/clean'], ['POST', '/api/v1/queues/default/pause'], ['POST', '/api/v1/queues/default/resume'], ['GET', '/api/v1/tokens'], ['POST', '/api/v1/tokens']] as const) {
      for (const token of [read, write]) expect((await api.call(method, path, { token, body: method === 'POST' ? {} : undefined })).status, `${method} ${path}`).toBe(403);
    }
    expect((await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token: write })).status).toBe(200);
    expect((await api.call('POST', '/api/v1/queues/default/clean', { token: admin })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/tokens', { token: admin })).status).toBe(200);
    expect((await api.call('GET', '/metrics', { token: read })).status).toBe(200);
  });

  it('stops accepting a token revoked on another server once its cache time has passed', async () => {
    const first = await serve({ options: { tokenCacheMs: 300 } });
    const second = await serve({ store: first.store, options: { tokenCacheMs: 300 } });
    const admin = await first.token('admin');
    const reader = await first.call('POST', '/api/v1/tokens', { token: admin, body: { scope: 'read' } });
    const token = reader.body.token as string;
    expect((await second.call('GET', '/api/v1/queues', { token })).status).toBe(200);
    await first.call('DELETE', `/api/v1/tokens/${reader.body.record.id}`, { token: admin });
    expect((await first.call('GET', '/api/v1/queues', { token })).status).toBe(401);
    await sleep(350);
    expect((await second.call('GET', '/api/v1/queues', { token })).status).toBe(401);
  });

  it('serves without tokens when told to (auth: none)', async () => {
    const api = await serve({ options: { auth: 'none' } });
    expect((await api.call('POST', '/api/v1/queues/default/pause')).status).toBe(200);
  });
});
