/**
 * The audit log over real HTTP on both engines: every operator action through the API is
 * recorded once it succeeded, with the token's name as the actor (its id when it has no
 * name, `local` on a server without tokens), the action, its target and details; dry runs,
 * refusals and failures are not; a failure to write the entry is logged and the action's
 * answer stays a success. The log is read back through GET /audit, newest first, by page and
 * by action.
 */
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/api/routes.js';
import { createLogger } from '../src/core/logger.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { finishOf } from './support/jobs.js';
import { decode, useServers, type TestServer } from './support/server.js';

afterAll(dropCreatedSchemas);

async function auditOf(api: TestServer, token: string, query = ''): Promise<{ actor: string; action: string; target: string; details: unknown }[]> {
  const answer = await api.call('GET', `/api/v1/audit${query}`, { token });
  expect(answer.status).toBe(200);
  return decode(ROUTES['audit.list'].response, answer.body).entries.map(({ actor, action, target, details }) => ({ actor, action, target, details }));
}

describe.each(engines)('the audit log on $name', (engine) => {
  const serve = useServers(engine);

  it('records each operator action with the acting token, once it succeeded', async () => {
    const api = await serve();
    const alice = (await api.ordo.tokens.create({ scope: 'write', name: 'alice' })).token;
    const bob = (await api.ordo.tokens.create({ scope: 'admin', name: 'bob' })).token;
    const call = (token: string, method: string, path: string, body?: unknown) => api.call(method, `/api/v1${path}`, { token, body });

    const { id: one } = await api.ordo.enqueue('job.task', {}, { queue: 'mail' });
    const { id: two } = await api.ordo.enqueue('job.task', {}, { queue: 'mail' });
    expect((await call(alice, 'POST', `/jobs/${one}/cancel`)).status).toBe(200);
    expect((await call(alice, 'POST', `/jobs/${one}/retry`)).status).toBe(200);
    expect((await call(alice, 'DELETE', `/jobs/${two}`)).status).toBe(200);
    expect((await call(alice, 'POST', '/jobs/bulk', { action: 'cancel', filter: { queue: 'mail', state: ['pending'] }, dryRun: true })).body.count).toBe(1);
    expect((await call(alice, 'POST', '/jobs/bulk', { action: 'cancel', filter: { queue: 'mail', state: ['pending'] } })).body.count).toBe(1);
    expect((await call(bob, 'POST', '/queues/mail/pause')).status).toBe(200);
    expect((await call(bob, 'POST', '/queues/mail/resume')).status).toBe(200);
    await api.ordo.enqueue('job.task', {}, { queue: 'mail' });
    expect((await call(bob, 'POST', '/queues/mail/clean')).body.deleted).toBe(1);
    expect((await call(alice, 'POST', '/schedules', { name: 'nightly', task: 'job.task', payload: { secret: 'hush' }, cron: '0 3 * * *' })).status).toBe(201);
    expect((await call(alice, 'PATCH', '/schedules/nightly', { every: '1h' })).status).toBe(200);
    expect((await call(alice, 'POST', '/schedules/nightly/pause')).status).toBe(200);
    expect((await call(alice, 'POST', '/schedules/nightly/resume')).status).toBe(200);
    const fired = (await call(alice, 'POST', '/schedules/nightly/run')).body;
    expect((await call(alice, 'DELETE', '/schedules/nightly')).status).toBe(204);
    const made = (await call(bob, 'POST', '/tokens', { scope: 'read', name: 'viewer' })).body;
    expect((await call(bob, 'DELETE', `/tokens/${made.record.id}`)).body.revoked).toBe(true);
    // Refused or failed: nothing done, nothing recorded.
    expect((await call(alice, 'POST', '/queues/mail/clean')).status).toBe(403);
    const { id: pending } = await api.ordo.enqueue('job.task', {});
    expect((await call(alice, 'POST', `/jobs/${pending}/retry`)).status).toBe(409);
    expect((await call(alice, 'POST', '/schedules/nope/pause')).status).toBe(404);
    // Reads are not actions.
    await call(alice, 'GET', '/jobs');

    const entries = await auditOf(api, alice, '?limit=100');
    expect(entries.reverse()).toEqual([
      { actor: 'alice', action: 'job.cancel', target: one, details: { state: 'cancelled' } },
      { actor: 'alice', action: 'job.retry', target: one, details: null },
      { actor: 'alice', action: 'job.delete', target: two, details: null },
      { actor: 'alice', action: 'jobs.bulk-cancel', target: 'state=pending queue=mail', details: { filter: { state: ['pending'], queue: 'mail' }, count: 1 } },
      { actor: 'bob', action: 'queue.pause', target: 'mail', details: null },
      { actor: 'bob', action: 'queue.resume', target: 'mail', details: null },
      { actor: 'bob', action: 'queue.clean', target: 'mail', details: { deleted: 1 } },
      { actor: 'alice', action: 'schedule.create', target: 'nightly', details: { name: 'nightly', task: 'job.task', payload: '(set)', cron: '0 3 * * *' } },
      { actor: 'alice', action: 'schedule.update', target: 'nightly', details: { every: '1h' } },
      { actor: 'alice', action: 'schedule.pause', target: 'nightly', details: null },
      { actor: 'alice', action: 'schedule.resume', target: 'nightly', details: null },
      { actor: 'alice', action: 'schedule.run', target: 'nightly', details: { jobId: fired.jobId } },
      { actor: 'alice', action: 'schedule.delete', target: 'nightly', details: null },
      { actor: 'bob', action: 'token.create', target: made.record.id, details: { name: 'viewer', scope: 'read' } },
      { actor: 'bob', action: 'token.revoke', target: made.record.id, details: { revoked: true } },
    ]);
    // The new token itself is nowhere in the log; a schedule's payload neither.
    const raw = JSON.stringify((await api.call('GET', '/api/v1/audit?limit=100', { token: alice })).body);
    expect(raw).not.toContain(made.token.slice(16));
    expect(raw).not.toContain('hush');
  });

  it('names a token without a name by its id, and the caller of a server without tokens `local`', async () => {
    const api = await serve();
    const { token, record } = await api.ordo.tokens.create({ scope: 'write' });
    const { id } = await api.ordo.enqueue('t', {});
    await api.call('POST', `/api/v1/jobs/${id}/cancel`, { token });
    const open = await serve({ store: api.store, options: { auth: 'none' } });
    await open.call('POST', `/api/v1/jobs/${id}/retry`);
    expect((await auditOf(api, token)).map((e) => [e.actor, e.action])).toEqual([
      ['local', 'job.retry'],
      [record.id, 'job.cancel'],
    ]);
  });

  it('pages the log newest first with a cursor, keeps one action, and a read token may read it', async () => {
    const api = await serve();
    const read = await api.token('read');
    for (const queue of ['a', 'b', 'c']) await api.ordo.audit.record({ actor: 'x', action: 'queue.pause', target: queue, details: null });
    await api.ordo.audit.record({ actor: 'x', action: 'queue.clean', target: 'a', details: { deleted: 0 } });
    const first = decode(ROUTES['audit.list'].response, (await api.call('GET', '/api/v1/audit?limit=2', { token: read })).body);
    expect(first.entries.map((e) => e.target)).toEqual(['a', 'c']);
    expect(first.entries[0]!.at).toBeInstanceOf(Date);
    const next = decode(ROUTES['audit.list'].response, (await api.call('GET', `/api/v1/audit?limit=2&cursor=${first.nextCursor}`, { token: read })).body);
    expect(next.entries.map((e) => e.target)).toEqual(['b', 'a']);
    expect((await auditOf(api, read, '?action=queue.clean')).map((e) => e.target)).toEqual(['a']);
    expect((await api.call('GET', '/api/v1/audit?cursor=abc', { token: read })).body).toMatchObject({ status: 400, field: 'cursor' });
    expect((await api.call('GET', '/api/v1/audit?limit=5000', { token: read })).body).toMatchObject({ status: 400, field: 'limit' });
  });

  it('an entry that cannot be written is logged, and the action done still answers as done', async () => {
    const lines: string[] = [];
    const logger = createLogger({ format: 'json', destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    const api = await serve({ options: { logger } });
    const write = await api.token('write');
    const { id } = await api.ordo.enqueue('t', {}, { queue: 'q' });
    const [running] = await api.store.jobClaim({ workerId: 'w', queues: ['q'], limit: 1, leaseMs: 30_000 });
    await api.store.jobFinishMany({ finishes: [finishOf(running!, { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
    api.ordo.audit.record = async () => {
      throw new Error('the audit table is gone');
    };
    const retried = await api.call('POST', `/api/v1/jobs/${id}/retry`, { token: write, headers: { 'x-request-id': 'audit-fail-1' } });
    expect(retried.status).toBe(200);
    expect((await api.ordo.job(id)).state).toBe('pending');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'the audit log could not record an action that was done');
    expect(logged).toMatchObject({ level: 50, requestId: 'audit-fail-1', route: 'jobs.retry', action: 'job.retry', target: id });
    expect(JSON.stringify(logged)).toContain('the audit table is gone');
  });
});
