/**
 * The client over HTTP (`RemoteOrdo`) against a real server on a real store, both engines:
 * the same results as the client on the database (read back from the same database, times as
 * Dates), the same typed errors with the same messages, and refusals of the token and of an
 * unreachable server that say what to do.
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, RemoteOrdo, type JobListFilter, type Ordo, type OrdoClient } from '../src/client/ordo.js';
import { AccessError, ConflictError, ERROR_MAPPING, NotFoundError, OrdoError, StoreUnavailableError, ValidationError } from '../src/core/errors.js';
import type { Page } from '../src/core/types.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { describeError, errorOf } from './support/errors.js';
import { finishOf } from './support/jobs.js';
import { useServers, type TestServer } from './support/server.js';

const email = defineTask('send_email', { schema: z.object({ email: z.email(), message: z.string() }), queue: 'mail', retry: { maxAttempts: 4 } }, async () => 'sent');
const plain = defineTask('plain', async () => null);
const TASKS = [email, plain];

afterAll(dropCreatedSchemas);

describe.each(engines)('remote client on $name', (engine) => {
  const start = useServers(engine);

  async function setup(): Promise<{ server: TestServer; local: Ordo; remote: RemoteOrdo }> {
    const server = await start({ tasks: TASKS });
    const remote = await createOrdo({ url: server.url, token: await server.token('admin') });
    expect(remote).toBeInstanceOf(RemoteOrdo);
    expect(remote.engine).toBe('remote');
    return { server, local: server.ordo, remote };
  }

  it('enqueues and reads jobs as the local client does: the same records, pages and cursors', async () => {
    const { local, remote } = await setup();
    const one = await remote.enqueue('send_email', { email: 'a@b.com', message: 'hi' }, { delay: '1h', uniqueKey: 'k1', traceId: 'mine' });
    expect(one).toEqual({ id: expect.any(String), created: true });
    expect(await remote.enqueue('send_email', { email: 'a@b.com', message: 'hi' }, { uniqueKey: 'k1' })).toEqual({ id: one.id, created: false });
    const job = await remote.job(one.id);
    expect(job.runAt).toBeInstanceOf(Date);
    expect(job).toEqual(await local.job(one.id));
    expect(job).toMatchObject({ queue: 'mail', maxAttempts: 4, traceId: 'mine', state: 'pending' });

    const at = new Date(Date.now() + 86_400_000);
    const many = await remote.enqueueMany([
      { task: 'plain', payload: { n: 1 }, options: { runAt: at } },
      { task: 'plain', payload: { n: 2 }, options: { queue: 'low', priority: -2 } },
      { task: 'plain' },
    ]);
    expect(many.map((r) => r.created)).toEqual([true, true, true]);
    expect((await remote.job(many[0]!.id)).runAt).toEqual(at);
    // Jobs enqueued through the server carry the request's id as their trace id.
    expect((await local.job(many[1]!.id)).traceId).toEqual(expect.any(String));
    expect(await remote.getJob('999999')).toBeNull();

    const queries: [JobListFilter, Page][] = [
      [{}, { limit: 2 }],
      [{ task: 'plain' }, { limit: 1, offset: 1 }],
      [{ state: ['pending'], queue: 'low' }, {}],
      [{ payloadText: 'n' }, {}],
      [{ createdFrom: Math.floor(Date.now() / 1000) - 60, createdTo: at.toISOString() }, {}],
    ];
    for (const [filter, page] of queries) {
      const [mine, theirs] = [await remote.listJobs(filter, page), await local.listJobs(filter, page)];
      expect(mine).toEqual(theirs);
    }
    const first = await remote.listJobs({}, { limit: 3 });
    expect(first.nextCursor).toBe(first.jobs[2]!.id);
    expect(await remote.listJobs({}, { limit: 3, before: first.nextCursor! })).toEqual(await local.listJobs({}, { limit: 3, before: first.nextCursor! }));
  });

  it('cancels, retries, and reads queues, workers, tasks and executions as the local client does', async () => {
    const { local, remote } = await setup();
    const { id } = await remote.enqueue('plain', {}, { queue: 'q' });
    expect(await remote.cancel(id)).toEqual({ state: 'cancelled', cancelRequested: false });
    expect(await remote.cancel(id)).toEqual({ state: 'cancelled', cancelRequested: false, already: true });
    expect(await remote.retry(id)).toEqual({ retried: true, state: 'pending' });
    const [running] = await local.store.jobClaim({ workerId: 'w1', queues: ['q'], limit: 1, leaseMs: 30_000 });
    await local.store.jobFinishMany({ finishes: [finishOf(running!, { state: 'failed', outcome: 'failed', error: { message: 'boom' } })] });

    expect(await remote.stats()).toEqual(await local.stats());
    expect(await remote.taskInfo()).toEqual(await local.taskInfo());
    expect(await remote.listWorkers()).toEqual(await local.listWorkers());
    const executions = await remote.listExecutions({ outcome: ['failed'], task: 'plain' }, { limit: 1 });
    expect(executions).toEqual(await local.listExecutions({ outcome: ['failed'], task: 'plain' }, { limit: 1 }));
    expect(executions.executions[0]).toMatchObject({ jobId: id, attempt: 1, outcome: 'failed', error: { message: 'boom' } });
    expect(executions.executions[0]!.finishedAt).toBeInstanceOf(Date);

    await remote.enqueue('plain', {}, { queue: 'q' });
    await remote.pause('q');
    expect((await local.stats()).find((s) => s.queue === 'q')?.paused).toBe(true);
    await remote.resume('q');
    expect((await local.stats()).find((s) => s.queue === 'q')?.paused).toBe(false);
    expect(await remote.clean('q')).toBe(1);
  });

  it('manages schedules as the local client does', async () => {
    const { local, remote } = await setup();
    const added = await remote.schedules.add('nightly', { task: 'send_email', payload: { email: 'a@b.com', message: 'x' }, cron: '0 3 * * *', tz: 'Europe/London', overlap: 'skip' });
    expect(added.nextFires).toHaveLength(5);
    expect(added.nextFires[0]).toBeInstanceOf(Date);
    expect(added).toEqual(await local.schedules.get('nightly'));
    const once = await remote.schedules.add('once', { task: 'plain', at: new Date(Date.now() + 3_600_000) });
    expect(once.timing).toMatchObject({ kind: 'once', at: expect.any(Date) });
    expect(await remote.schedules.list()).toEqual(await local.schedules.list());
    expect(await remote.schedules.update('nightly', { every: '10m' })).toEqual(await local.schedules.get('nightly'));
    expect((await remote.schedules.pause('nightly')).paused).toBe(true);
    expect((await remote.schedules.resume('nightly')).paused).toBe(false);
    const fire = await remote.schedules.run('nightly');
    expect(fire).toMatchObject({ schedule: 'nightly', manual: true, jobId: expect.any(String) });
    expect(fire.firedAt).toBeInstanceOf(Date);
    expect(await remote.schedules.history('nightly', { limit: 5 })).toEqual(await local.schedules.history('nightly', { limit: 5 }));
    await remote.schedules.remove('once');
    await expect(local.schedules.get('once')).rejects.toThrow(NotFoundError);
  });

  it('makes, lists and revokes tokens with an admin token', async () => {
    const { local, remote } = await setup();
    const { token, record } = await remote.tokens.create({ scope: 'read', name: 'dashboard' });
    expect(await local.tokens.verify(token)).toEqual(record);
    expect(record.createdAt).toBeInstanceOf(Date);
    expect(await remote.tokens.list()).toEqual(await local.tokens.list());
    expect(await remote.tokens.revoke(record.id)).toBe(true);
    expect(await remote.tokens.revoke(record.id)).toBe(false);
  });

  it('throws the errors the local client throws, with the same messages', async () => {
    const { local, remote } = await setup();
    const { id: done } = await local.enqueue('plain', {}, { queue: 'done' });
    const [running] = await local.store.jobClaim({ workerId: 'w', queues: ['done'], limit: 1, leaseMs: 30_000 });
    await local.store.jobFinishMany({ finishes: [finishOf(running!)] });
    const { id: pending } = await local.enqueue('plain', {});
    await local.schedules.add('taken', { task: 'plain', every: '1h' });

    const calls: [string, (ordo: OrdoClient) => Promise<unknown>, new (...args: never[]) => OrdoError][] = [
      ['bad id', (o) => o.job('abc'), ValidationError],
      ['unknown job', (o) => o.job('424242'), NotFoundError],
      ['cancel a finished job', (o) => o.cancel(done), ConflictError],
      ['retry a pending job', (o) => o.retry(pending), ConflictError],
      ['payload against the schema', (o) => o.enqueue('send_email', { email: 'nope', message: 'x' }), ValidationError],
      ['payload not an object', (o) => o.enqueue('plain', [1, 2]), ValidationError],
      ['bad delay', (o) => o.enqueue('plain', {}, { delay: '5x' }), ValidationError],
      ['delay and runAt', (o) => o.enqueue('plain', {}, { delay: 5, runAt: new Date('2030-01-01T00:00:00Z') }), ValidationError],
      ['bad priority', (o) => o.enqueue('plain', {}, { priority: 1.5 }), ValidationError],
      // Values the wire schema would refuse in its own words get the client's words instead.
      ['priority as text', (o) => o.enqueue('plain', {}, { priority: 'high' as never }), ValidationError],
      ['trace id too long', (o) => o.enqueue('plain', {}, { traceId: 'x'.repeat(201) }), ValidationError],
      ['unique key too long', (o) => o.enqueue('plain', {}, { uniqueKey: 'k'.repeat(1200) }), ValidationError],
      ['task name too long', (o) => o.enqueue('t'.repeat(300), {}), ValidationError],
      ['second job of a batch', (o) => o.enqueueMany([{ task: 'plain' }, { task: 'send_email', payload: { email: 'x', message: 'y' } }]), ValidationError],
      ['bad state filter', (o) => o.listJobs({ state: 'done' as never }), ValidationError],
      ['bad cursor', (o) => o.listJobs({}, { before: '0' }), ValidationError],
      ['bad execution cursor', (o) => o.listExecutions({}, { cursor: 'zzz' }), ValidationError],
      ['bad queue name', (o) => o.clean('has space'), ValidationError],
      ['unknown schedule', (o) => o.schedules.get('nope'), NotFoundError],
      ['history of an unknown schedule', (o) => o.schedules.history('nope'), NotFoundError],
      ['history limit', (o) => o.schedules.history('taken', { limit: 0 }), ValidationError],
      ['schedule name taken', (o) => o.schedules.add('taken', { task: 'plain', every: '1h' }), ConflictError],
      ['two timings', (o) => o.schedules.add('two', { task: 'plain', every: '1h', cron: '* * * * *' }), ValidationError],
      ['bad cron', (o) => o.schedules.add('bad', { task: 'plain', cron: 'every day' }), ValidationError],
      ['misfire limit as text', (o) => o.schedules.add('bad', { task: 'plain', every: '1h', misfire: 'all', misfireLimit: 'ten' as never }), ValidationError],
      ['bad token scope', (o) => o.tokens.create({ scope: 'root' as never }), ValidationError],
    ];
    for (const [what, call, type] of calls) {
      const [mine, theirs] = [await errorOf(() => call(remote)), await errorOf(() => call(local))];
      expect(theirs, what).toBeInstanceOf(type);
      expect(mine, what).toBeInstanceOf(type);
      expect(describeError(mine), what).toEqual(describeError(theirs));
    }
    // A conflict carries the job's id and state, as the local one does.
    expect((await errorOf(() => remote.cancel(done)) as ConflictError).details).toEqual({ id: done, state: 'succeeded' });
    // A caller's transaction cannot travel over HTTP.
    await expect(remote.enqueue('plain', {}, { tx: { query: async () => ({}) } })).rejects.toThrow(/^tx: expected no tx over HTTP/);
  });

  it('a missing, wrong or revoked token, or too low a scope, is an AccessError saying what to do', async () => {
    const server = await start({ tasks: TASKS });
    const read = await server.token('read');
    const cases: [RemoteOrdo, 'unauthorized' | 'forbidden', RegExp][] = [
      [new RemoteOrdo({ url: server.url }), 'unauthorized', /needs an API token; pass one with --token or ORDO_TOKEN/],
      [new RemoteOrdo({ url: server.url, token: 'ordo_0123456789_nope' }), 'unauthorized', /token was refused \(unknown, revoked or mistyped\)/],
      [new RemoteOrdo({ url: server.url, token: read }), 'forbidden', /wider scope.*ordo tokens create --scope/],
    ];
    for (const [client, code, message] of cases) {
      const err = await errorOf(() => client.cancel('1'));
      expect(err).toBeInstanceOf(AccessError);
      expect((err as AccessError).code).toBe(code);
      expect((err as AccessError).message).toMatch(message);
      expect((err as AccessError).message).toContain(server.url);
      expect((err as AccessError).message).not.toContain(read);
      expect(ERROR_MAPPING[(err as AccessError).code].exitCode).toBe(6);
    }
    // A read token reads.
    expect(await new RemoteOrdo({ url: server.url, token: read }).stats()).toEqual([]);
  });
});

describe('remote client without a server', () => {
  it('an unreachable server is StoreUnavailableError naming its URL', async () => {
    const port = await freePort();
    const remote = new RemoteOrdo({ url: `http://127.0.0.1:${port}/`, token: 'ordo_0123456789_x' });
    expect(remote.server).toBe(`http://127.0.0.1:${port}`);
    const err = await errorOf(() => remote.stats());
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(new RegExp(`the Ordo server at http://127.0.0.1:${port} cannot be reached \\(ECONNREFUSED\\)`));
    expect((err as Error).message).not.toContain('ordo_0123456789_x');
  });

  it('refuses a URL that is not an http(s) server, hinting when it is a database', () => {
    expect(() => new RemoteOrdo({ url: 'postgres://localhost/db' })).toThrow(/^url: expected the URL of an Ordo server.*That is a database URL/);
    for (const url of ['', 'localhost:7000', 'ftp://x', 'http://user:pass@host', 'http://h/?a=1']) expect(() => new RemoteOrdo({ url })).toThrow(ValidationError);
  });

  it('checks what it can before sending: the same errors, no request made', async () => {
    const remote = new RemoteOrdo({ url: `http://127.0.0.1:${await freePort()}` });
    await expect(remote.job('x')).rejects.toThrow(/^id: expected a job id/);
    await expect(remote.listJobs({ createdFrom: 'soon' })).rejects.toThrow(/^createdFrom: expected an ISO 8601 time/);
    await expect(remote.enqueueMany(Array.from({ length: 1001 }, () => ({ task: 'plain' })))).rejects.toThrow(/^items: expected at most 1000 jobs/);
    expect(await remote.enqueueMany([])).toEqual([]);
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
