/**
 * `remote.workflows` (the client over HTTP) against the client on the database, with a real
 * server and a worker in this process, on both engines: the same definitions, the same runs
 * with the same steps (times decoded to `Date`s), the same pages, and the same errors with
 * the same messages for unknown workflows and runs, bad filters and a retry too early.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo, type RemoteOrdo } from '../src/client/ordo.js';
import { ConflictError, NotFoundError, ValidationError } from '../src/core/errors.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { describeError, errorOf } from './support/errors.js';
import { diamond, runInState, switches, useWorkflowServers } from './support/workflow-fixtures.js';
import { waitFor } from './support/wait.js';

afterAll(dropCreatedSchemas);

describe.each(engines)('remote workflows on $name', (engine) => {
  const start = useWorkflowServers(engine);

  async function setup(): Promise<{ local: Ordo; remote: RemoteOrdo }> {
    const server = await start();
    const remote = (await createOrdo({ url: server.url, token: (await server.ordo.tokens.create({ scope: 'admin', name: 'remote-admin' })).token })) as RemoteOrdo;
    return { local: server.ordo, remote };
  }

  it('starts, reads, lists and retries runs as the local client does', async () => {
    const { local, remote } = await setup();
    expect(await remote.workflows.list()).toEqual(await local.workflows.list());
    expect(await remote.workflows.get('diamond')).toEqual(await local.workflows.get('diamond'));

    // A definition in code starts by its name; the trace id and unique key travel with it.
    const started = await remote.workflows.start(diamond, { n: 5 }, { uniqueKey: 'r-1', traceId: 'remote-trace' });
    expect(started.created).toBe(true);
    expect(await remote.workflows.start('diamond', { n: 6 }, { uniqueKey: 'r-1' })).toEqual({ runId: started.runId, created: false });
    const run = await runInState((id) => remote.workflows.getRun(id), started.runId, 'succeeded');
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run).toMatchObject({ traceId: 'remote-trace', input: { n: 5 }, output: { d: { b: 6, c: 10 } } });
    expect(run).toEqual(await local.workflows.getRun(started.runId));

    switches.failB = true;
    const { runId } = await remote.workflows.start('diamond', { n: 1 });
    await runInState((id) => local.workflows.getRun(id), runId, 'failed');
    for (const page of [{}, { limit: 1 }]) {
      for (const filter of [{}, { workflow: 'diamond', state: 'failed' as const }, { state: ['succeeded' as const, 'cancelled' as const] }]) {
        expect(await remote.workflows.listRuns(filter, page), JSON.stringify([filter, page])).toEqual(await local.workflows.listRuns(filter, page));
      }
    }
    const first = await remote.workflows.listRuns({}, { limit: 1 });
    expect(await remote.workflows.listRuns({}, { limit: 1, cursor: first.nextCursor! })).toEqual(await local.workflows.listRuns({}, { limit: 1, cursor: first.nextCursor! }));

    switches.failB = false;
    expect(await remote.workflows.retryRun(runId)).toEqual({ id: runId, retried: true, state: 'running' });
    await runInState((id) => remote.workflows.getRun(id), runId, 'succeeded');
    expect(await remote.workflows.retryRun(runId)).toEqual(await local.workflows.retryRun(runId));
    const parkedRun = await remote.workflows.start('parked');
    expect(await remote.workflows.cancelRun(parkedRun.runId)).toEqual({ id: parkedRun.runId, state: 'cancelled' });
    expect(await remote.workflows.cancelRun(parkedRun.runId)).toEqual(await local.workflows.cancelRun(parkedRun.runId));
  });

  it('fails with the errors of the local client', async () => {
    const { local, remote } = await setup();
    const same = async (what: string, call: (ordo: Ordo | RemoteOrdo) => Promise<unknown>, kind: new (...args: never[]) => Error) => {
      const [mine, theirs] = [await errorOf(() => call(local)), await errorOf(() => call(remote))];
      expect(theirs, what).toBeInstanceOf(kind);
      expect(describeError(theirs), what).toEqual(describeError(mine));
    };
    await same('unknown workflow', (o) => o.workflows.get('nope'), NotFoundError);
    await same('start of an unknown workflow', (o) => o.workflows.start('nope', {}), NotFoundError);
    await same('unknown run', (o) => o.workflows.getRun('999999'), NotFoundError);
    await same('cancel of an unknown run', (o) => o.workflows.cancelRun('999999'), NotFoundError);
    await same('retry of an unknown run', (o) => o.workflows.retryRun('999999'), NotFoundError);
    await same('a bad state', (o) => o.workflows.listRuns({ state: 'done' as never }), ValidationError);
    await same('a bad limit', (o) => o.workflows.listRuns({}, { limit: 0 }), ValidationError);

    const { runId } = await remote.workflows.start('held', {});
    await waitFor(() => local.workflows.getRun(runId), (run) => run.steps[0]!.jobState === 'running', 'the held step to run');
    await remote.workflows.cancelRun(runId);
    await same('a retry while a step still runs', (o) => o.workflows.retryRun(runId), ConflictError);

    const tx = await errorOf(() => remote.workflows.start('diamond', {}, { tx: {} as never }));
    expect(tx).toBeInstanceOf(ValidationError);
    expect((tx as Error).message).toMatch(/^tx: expected no tx over HTTP/);
  });
});
