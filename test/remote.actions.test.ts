/**
 * The dashboard's additions to the client, over HTTP (`RemoteOrdo`) against a real server on
 * both engines: the same results as the client on the database (deleting, bulk actions and
 * their previews, the new filters, throughput, timing previews, the audit log) and the same
 * errors with the same messages, checked before sending where the local client checks them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createOrdo, type JobListFilter, type Ordo, type OrdoClient, type RemoteOrdo } from '../src/client/ordo.js';
import { ConflictError, NotFoundError, OrdoError, ValidationError } from '../src/core/errors.js';
import { endedJob } from './support/ended-job.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { describeError, errorOf } from './support/errors.js';
import { useServers, type TestServer } from './support/server.js';

afterAll(dropCreatedSchemas);

describe.each(engines)('remote dashboard additions on $name', (engine) => {
  const start = useServers(engine);

  async function setup(): Promise<{ server: TestServer; local: Ordo; remote: RemoteOrdo }> {
    const server = await start();
    const remote = await createOrdo({ url: server.url, token: (await server.ordo.tokens.create({ scope: 'admin', name: 'remote-admin' })).token });
    return { server, local: server.ordo, remote };
  }

  it('lists with the new filters, deletes, and acts in bulk as the local client does', async () => {
    const { local, remote } = await setup();
    const paid = await endedJob(local, 'charge', { customer: { id: 42 } }, { state: 'succeeded', result: { status: 'paid', note: 'Lisbon' } });
    await endedJob(local, 'charge', { customer: { id: 7 } }, { state: 'failed' });
    await endedJob(local, 'charge', { customer: { id: 8 } }, { state: 'failed' });
    const since = new Date(Date.now() - 60_000);
    const filters: JobListFilter[] = [
      { resultText: 'lisbon' },
      { payloadContains: { customer: { id: 42 } } },
      { resultContains: { status: 'paid' }, task: 'charge', createdFrom: since },
      { payloadContains: {}, resultText: '' },
      { state: ['failed'], payloadText: 'customer' },
    ];
    for (const filter of filters) expect(await remote.listJobs(filter), JSON.stringify(filter)).toEqual(await local.listJobs(filter));
    expect((await remote.listJobs({ resultText: 'lisbon' })).jobs.map((j) => j.id)).toEqual([paid]);

    const failed = { state: ['failed' as const], task: 'charge', createdFrom: since };
    expect(await remote.bulk('retry', failed, { dryRun: true })).toEqual(await local.bulk('retry', failed, { dryRun: true }));
    expect(await remote.bulk('retry', failed)).toEqual({ action: 'retry', count: 2, dryRun: false });
    expect((await local.listJobs({ state: ['failed'] })).total).toBe(0);
    expect(await remote.bulk('cancel', { resultContains: { status: 'paid' } })).toEqual({ action: 'cancel', count: 0, dryRun: false });

    expect(await remote.deleteJob(paid)).toEqual({ id: paid, deleted: true });
    expect(await local.getJob(paid)).toBeNull();
  });

  it('reads throughput, previews timings and reads the audit log as the local client does', async () => {
    const { local, remote } = await setup();
    await endedJob(local, 't', {}, { state: 'succeeded' });
    for (const window of ['1h', '24h', '7d'] as const) expect(await remote.throughput({ window }), window).toEqual(await local.throughput({ window }));
    expect(await remote.throughput({ queue: 'none' })).toEqual(await local.throughput({ queue: 'none' }));

    const at = new Date(Date.now() + 3_600_000);
    for (const spec of [{ cron: '15 4 * * *', tz: 'Asia/Tokyo', count: 7 }, { every: '6h' }, { at }, { at: at.toISOString() }]) {
      const fires = await remote.previewTiming(spec);
      expect(fires, JSON.stringify(spec)).toEqual(await local.previewTiming(spec));
      expect(fires[0]).toBeInstanceOf(Date);
    }

    // The server records what the remote client does, under its token's name.
    const { id } = await local.enqueue('t', {});
    await remote.cancel(id);
    await remote.pause('q');
    const page = await remote.audit.list({ limit: 1 });
    expect(page).toEqual(await local.audit.list({ limit: 1 }));
    expect(page.entries[0]).toMatchObject({ actor: 'remote-admin', action: 'queue.pause', target: 'q' });
    expect(page.entries[0]!.at).toBeInstanceOf(Date);
    expect(await remote.audit.list({ cursor: page.nextCursor! })).toEqual(await local.audit.list({ cursor: page.nextCursor! }));
    expect(await remote.audit.list({ action: 'job.cancel' })).toEqual(await local.audit.list({ action: 'job.cancel' }));
  });

  it('throws the errors the local client throws, with the same messages', async () => {
    const { local, remote } = await setup();
    const { id: running } = await local.enqueue('t', {}, { queue: 'busy' });
    await local.store.jobClaim({ workerId: 'w', queues: ['busy'], limit: 1, leaseMs: 30_000 });
    const calls: [string, (ordo: OrdoClient) => Promise<unknown>, new (...args: never[]) => OrdoError][] = [
      ['delete a running job', (o) => o.deleteJob(running), ConflictError],
      ['delete an unknown job', (o) => o.deleteJob('424242'), NotFoundError],
      ['delete a bad id', (o) => o.deleteJob('x'), ValidationError],
      ['bulk without a filter', (o) => o.bulk('cancel', {}), ValidationError],
      ['bulk with a bad action', (o) => o.bulk('drop' as never, { task: 't' }), ValidationError],
      ['bulk with a bad filter', (o) => o.bulk('retry', { createdFrom: 'soon' }), ValidationError],
      ['bulk with a bad dry run', (o) => o.bulk('retry', { task: 't' }, { dryRun: 1 as never }), ValidationError],
      ['containment not an object', (o) => o.listJobs({ payloadContains: [1] as never }), ValidationError],
      ['containment too long', (o) => o.listJobs({ resultContains: { x: 'y'.repeat(3000) } }), ValidationError],
      ['containment with NUL', (o) => o.listJobs({ resultContains: { x: '\u0000' } }), ValidationError],
      ['result text too long', (o) => o.listJobs({ resultText: 'r'.repeat(501) }), ValidationError],
      ['throughput window', (o) => o.throughput({ window: '30d' as never }), ValidationError],
      ['throughput queue', (o) => o.throughput({ queue: '' }), ValidationError],
      ['preview a bad cron', (o) => o.previewTiming({ cron: '99 * * * *' }), ValidationError],
      ['preview a bad zone', (o) => o.previewTiming({ cron: '0 * * * *', tz: 'Atlantis/Capital' }), ValidationError],
      ['preview nothing', (o) => o.previewTiming({}), ValidationError],
      ['preview a past time', (o) => o.previewTiming({ at: '2000-01-01T00:00:00Z' }), ValidationError],
      ['preview too many', (o) => o.previewTiming({ every: '1h', count: 51 }), ValidationError],
      ['audit cursor', (o) => o.audit.list({ cursor: 'zzz' }), ValidationError],
      ['audit limit', (o) => o.audit.list({ limit: 0 }), ValidationError],
    ];
    for (const [what, call, type] of calls) {
      const [mine, theirs] = [await errorOf(() => call(remote)), await errorOf(() => call(local))];
      expect(theirs, what).toBeInstanceOf(type);
      expect(mine, what).toBeInstanceOf(type);
      expect(describeError(mine), what).toEqual(describeError(theirs));
    }
    expect(((await errorOf(() => remote.deleteJob(running))) as ConflictError).details).toEqual({ id: running, state: 'running' });
    expect((await local.job(running)).state).toBe('running');
  });
});
