/**
 * The routes the dashboard adds, over real HTTP on both engines, each answer decoded with
 * its route's own schema: delete a job (409 while it runs), bulk actions by filter (the dry
 * run's count is the count then changed; a read token is refused and nothing changes), the
 * result and JSON containment filters of the listing (bad JSON is a 400 naming the query
 * field), throughput buckets, timing previews (the field's error), and the caller's session.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/api/routes.js';
import { endedJob } from './support/ended-job.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { decode, useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

describe.each(engines)('dashboard routes on $name', (engine) => {
  const serve = useServers(engine);

  it('DELETE /jobs/{id} deletes a job that is not running: 409 while it runs, 404 after', async () => {
    const api = await serve();
    const write = await api.token('write');
    const { id } = await api.ordo.enqueue('a.task', {});
    const deleted = await api.call('DELETE', `/api/v1/jobs/${id}`, { token: write });
    expect(deleted.status).toBe(200);
    expect(decode(ROUTES['jobs.delete'].response, deleted.body)).toEqual({ id, deleted: true });
    expect((await api.call('GET', `/api/v1/jobs/${id}`, { token: write })).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/jobs/${id}`, { token: write })).body).toMatchObject({ status: 404, code: 'not_found', details: { what: 'job', id } });

    const { id: running } = await api.ordo.enqueue('a.task', {}, { queue: 'busy' });
    await api.store.jobClaim({ workerId: 'w', queues: ['busy'], limit: 1, leaseMs: 30_000 });
    const conflict = await api.call('DELETE', `/api/v1/jobs/${running}`, { token: write });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'conflict', details: { id: running, state: 'running' } });
    expect((await api.ordo.job(running)).state).toBe('running');
  });

  it('POST /jobs/bulk: the dry run counts what the action then changes; a read token changes nothing', async () => {
    const api = await serve();
    const [read, write] = [await api.token('read'), await api.token('write')];
    const failed = [await endedJob(api.ordo, 'greet', {}, { state: 'failed' }), await endedJob(api.ordo, 'greet', {}, { state: 'failed' })];
    const other = await endedJob(api.ordo, 'other', {}, { state: 'failed' });
    const body = { action: 'retry', filter: { state: ['failed'], task: 'greet' } };

    for (const token of [read, undefined]) {
      const refused = await api.call('POST', '/api/v1/jobs/bulk', { token, body });
      expect(refused.status).toBe(token ? 403 : 401);
    }
    expect((await api.call('DELETE', `/api/v1/jobs/${other}`, { token: read })).status).toBe(403);
    expect((await api.ordo.listJobs({ state: ['failed'] })).total).toBe(3);

    const preview = await api.call('POST', '/api/v1/jobs/bulk', { token: write, body: { ...body, dryRun: true } });
    expect(preview.status).toBe(200);
    expect(decode(ROUTES['jobs.bulk'].response, preview.body)).toEqual({ action: 'retry', count: 2, dryRun: true });
    expect((await api.ordo.listJobs({ state: ['failed'] })).total).toBe(3);
    const done = decode(ROUTES['jobs.bulk'].response, (await api.call('POST', '/api/v1/jobs/bulk', { token: write, body })).body);
    expect(done).toEqual({ action: 'retry', count: 2, dryRun: false });
    for (const id of failed) expect((await api.ordo.job(id)).state).toBe('pending');
    expect((await api.ordo.job(other)).state).toBe('failed');

    // Every filter of the listing, in the body's own words; JSON containment as objects.
    await api.ordo.enqueueMany([{ task: 'mail', payload: { to: { id: 1 } } }, { task: 'mail', payload: { to: { id: 2 } } }].map((job) => ({ ...job, options: { queue: 'mail' } })));
    const since = Math.floor(Date.now() / 1000) - 60;
    const mailFilter = { queue: 'mail', task: 'mail', state: ['pending'], createdFrom: since, q: 'to', payloadContains: { to: { id: 2 } } };
    expect((await api.call('POST', '/api/v1/jobs/bulk', { token: write, body: { action: 'cancel', filter: mailFilter, dryRun: true } })).body.count).toBe(1);
    expect((await api.call('POST', '/api/v1/jobs/bulk', { token: write, body: { action: 'cancel', filter: mailFilter } })).body.count).toBe(1);

    const bad: [unknown, Record<string, unknown>][] = [
      [{ action: 'cancel', filter: {} }, { field: 'filter' }],
      [{ action: 'explode', filter: { task: 'greet' } }, { field: 'action' }],
      [{ action: 'cancel', filter: { worker: 'x'.repeat(201) } }, { field: 'filter.worker' }],
      [{ action: 'cancel', filter: { createdFrom: 'soon' } }, { field: 'filter.createdFrom', received: 'string "soon"' }],
      [{ action: 'cancel', filter: { q: 'a\u0000b' } }, { field: 'filter.q' }],
      [{ action: 'cancel', filter: { payloadContains: { a: 'b\u0000' } } }, { field: 'filter.payloadContains' }],
      [{ action: 'cancel', filter: { task: 'greet', tsak: 'x' } }, { field: 'filter.tsak' }],
      [{ action: 'cancel', filter: { task: 'greet' }, dryRun: 'yes' }, { field: 'dryRun' }],
    ];
    for (const [request, problem] of bad) {
      const answer = await api.call('POST', '/api/v1/jobs/bulk', { token: write, body: request });
      expect(answer.status, JSON.stringify(request)).toBe(400);
      expect(answer.body, JSON.stringify(request)).toMatchObject({ code: 'invalid_argument', ...problem });
    }
  });

  it('GET /jobs filters by result text and JSON containment given as JSON text in the query', async () => {
    const api = await serve();
    const read = await api.token('read');
    const paid = await endedJob(api.ordo, 'charge', { customer: { id: 42 } }, { state: 'succeeded', result: { receipt: 'R-Oslo', status: 'paid' } });
    const refused = await endedJob(api.ordo, 'charge', { customer: { id: 7 } }, { state: 'succeeded', result: { status: 'refused' } });
    const list = async (query: string) => decode(ROUTES['jobs.list'].response, (await api.call('GET', `/api/v1/jobs?${query}`, { token: read })).body).jobs.map((j) => j.id);
    expect(await list('resultQ=oslo')).toEqual([paid]);
    expect(await list(`payloadContains=${encodeURIComponent('{"customer":{"id":7}}')}`)).toEqual([refused]);
    expect(await list(`resultContains=${encodeURIComponent('{"status":"paid"}')}&task=charge`)).toEqual([paid]);
    expect((await list(`payloadContains=${encodeURIComponent('{}')}`)).sort()).toEqual([paid, refused].sort());

    for (const [query, field] of [['payloadContains=%7Bnope', 'payloadContains'], ['resultContains=%5B1%5D', 'resultContains'], ['payloadContains=42', 'payloadContains'], ['resultQ=', 'resultQ']] as const) {
      const answer = await api.call('GET', `/api/v1/jobs?${query}`, { token: read });
      if (query === 'resultQ=') {
        // A blank search is no filter, as for `q`.
        expect(answer.status).toBe(200);
        continue;
      }
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({ code: 'invalid_argument', field, expected: 'a JSON object of at most 2000 characters, such as {"customer":42}' });
    }
    expect((await api.call('GET', '/api/v1/jobs?resultQ=a%00b', { token: read })).body).toMatchObject({ status: 400, field: 'resultQ' });
  });

  it('GET /stats/throughput counts jobs ended per bucket of the window', async () => {
    const api = await serve();
    const read = await api.token('read');
    await endedJob(api.ordo, 't', {}, { state: 'succeeded' });
    await endedJob(api.ordo, 't', {}, { state: 'failed' });
    const hour = decode(ROUTES['stats.throughput'].response, (await api.call('GET', '/api/v1/stats/throughput', { token: read })).body);
    expect(hour.bucketMs).toBe(60_000);
    expect(hour.buckets).toHaveLength(60);
    expect(hour.buckets[0]!.at).toBeInstanceOf(Date);
    expect(hour.buckets.reduce((n, b) => n + b.succeeded + b.failed, 0)).toBe(2);
    const week = decode(ROUTES['stats.throughput'].response, (await api.call('GET', '/api/v1/stats/throughput?window=7d&queue=none', { token: read })).body);
    expect([week.bucketMs, week.buckets.length, week.buckets.reduce((n, b) => n + b.succeeded, 0)]).toEqual([7_200_000, 84, 0]);
    expect((await api.call('GET', '/api/v1/stats/throughput?window=2h', { token: read })).body).toMatchObject({ status: 400, field: 'window' });
    expect((await api.call('GET', '/api/v1/stats/throughput?queue=a%20b', { token: read })).body).toMatchObject({ status: 400, field: 'queue' });
  });

  it('POST /schedules/preview previews a timing or names the field at fault; read is enough', async () => {
    const api = await serve();
    const read = await api.token('read');
    const preview = await api.call('POST', '/api/v1/schedules/preview', { token: read, body: { cron: '0 9 * * 1-5', tz: 'America/New_York', count: 3 } });
    expect(preview.status).toBe(200);
    const { nextFires } = decode(ROUTES['schedules.preview'].response, preview.body);
    expect(nextFires).toEqual(await api.ordo.previewTiming({ cron: '0 9 * * 1-5', tz: 'America/New_York', count: 3 }));
    for (const fire of nextFires) expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: '2-digit', hourCycle: 'h23' }).format(fire)).toBe('09');
    const bad: [unknown, string][] = [
      [{ cron: '61 * * * *' }, 'cron'],
      [{ cron: '0 9 * * *', tz: 'Nowhere/City' }, 'tz'],
      [{ every: 'often' }, 'every'],
      [{ at: '2001-01-01T00:00:00Z' }, 'at'],
      [{}, 'cron'],
      [{ every: '1h', count: 500 }, 'count'],
      [{ every: '1h', cron: '* * * * *' }, 'cron'],
    ];
    for (const [body, field] of bad) {
      const answer = await api.call('POST', '/api/v1/schedules/preview', { token: read, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.field, JSON.stringify(body)).toBe(field);
    }
  });

  it("GET /session answers the caller's scope and token name; without tokens, admin and no name", async () => {
    const api = await serve();
    const { token } = await api.ordo.tokens.create({ scope: 'write', name: 'ops-laptop' });
    const { token: unnamed } = await api.ordo.tokens.create({ scope: 'read' });
    expect(decode(ROUTES['session.get'].response, (await api.call('GET', '/api/v1/session', { token })).body)).toEqual({ auth: 'tokens', scope: 'write', name: 'ops-laptop' });
    expect((await api.call('GET', '/api/v1/session', { token: unnamed })).body).toEqual({ auth: 'tokens', scope: 'read', name: null });
    expect((await api.call('GET', '/api/v1/session')).status).toBe(401);
    const open = await serve({ store: api.store, options: { auth: 'none' } });
    expect((await open.call('GET', '/api/v1/session')).body).toEqual({ auth: 'none', scope: 'admin', name: null });
  });
});
