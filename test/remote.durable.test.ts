/**
 * `remote.emit` and a function run read over HTTP, against the client on the database, with a
 * real server on both engines: the same answers (first emit wins, the waiting run woken), the
 * same run with its checkpoints and parent (times decoded to `Date`s), and the same errors
 * with the same messages for a bad key or `keep`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createOrdo, type RemoteOrdo } from '../src/client/ordo.js';
import { ValidationError } from '../src/core/errors.js';
import { DAY, HOUR, checkpoint, claimMain, functionDef, release, writeAs } from './store-contract/durable-support.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { describeError, errorOf } from './support/errors.js';
import { useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

describe.each(engines)('remote durable functions on $name', (engine) => {
  const serve = useServers(engine);

  async function setup() {
    const api = await serve();
    const remote = (await createOrdo({ url: api.url, token: await api.token('write') })) as RemoteOrdo;
    return { api, local: api.ordo, remote, store: api.store };
  }

  it('emits as the local client does, and reads a function run with its checkpoints alike', async () => {
    const { local, remote, store } = await setup();
    const { runId } = await store.workflowStart({ definition: functionDef('onboard', 'onboard-q'), input: null });
    const main = await claimMain(store, 'onboard-q');
    await writeAs(store, main, checkpoint(0, { name: 'charge', result: { charged: 1 } }));
    const child = await store.workflowStart({ definition: functionDef('resize', 'resize-q'), input: null, parentRunId: runId });
    await writeAs(store, main, checkpoint(1, { name: 'resize', kind: 'spawn', state: 'waiting', attempts: 0, childRunId: child.runId }));
    await writeAs(store, main, checkpoint(2, { name: 'paid', kind: 'event', state: 'waiting', attempts: 0, eventKey: 'paid', waitUntil: new Date(Date.now() + HOUR) }));
    await release(store, main, DAY);

    expect(await remote.emit('paid', { amount: 5 }, { keep: '1h' })).toEqual({ stored: true, woken: 1 });
    expect(await local.emit('paid', { amount: 6 })).toEqual({ stored: false, woken: 1 });
    expect(await remote.emit('paid', { amount: 7 })).toEqual({ stored: false, woken: 1 });
    expect(await remote.emit('nobody-waits')).toEqual(await local.emit('nobody-waits-either'));
    expect((await store.eventGet({ key: 'paid' }))?.payload).toEqual({ amount: 5 });

    const run = await remote.workflows.getRun(runId);
    expect(run.checkpoints[0]!.startedAt).toBeInstanceOf(Date);
    expect(run.checkpoints.map((c) => [c.kind, c.state])).toEqual([['step', 'succeeded'], ['spawn', 'waiting'], ['event', 'waiting']]);
    expect(run).toEqual(await local.workflows.getRun(runId));
    expect(await remote.workflows.getRun(child.runId)).toEqual(await local.workflows.getRun(child.runId));
    expect((await remote.workflows.getRun(child.runId)).parentRunId).toBe(runId);
  });

  it('refuses a bad key or keep with the local client’s error', async () => {
    const { local, remote, store } = await setup();
    const cases: [string, unknown, { keep?: number | string }][] = [
      ['', null, {}],
      ['   ', null, {}],
      ['k'.repeat(501), null, {}],
      ['k', null, { keep: 'soon' }],
      ['k', null, { keep: 0 }],
      ['k', null, { keep: -5 }],
    ];
    for (const [key, payload, options] of cases) {
      const remoteError = await errorOf(() => remote.emit(key, payload, options));
      expect(remoteError, `${key.slice(0, 10)} ${JSON.stringify(options)}`).toBeInstanceOf(ValidationError);
      expect(describeError(remoteError)).toEqual(describeError(await errorOf(() => local.emit(key, payload, options))));
    }
    expect(await store.eventGet({ key: 'k' })).toBeNull();
  });
});
