/**
 * A database outage longer than the lease: the worker keeps the results of jobs that ended
 * while the database was away and renews the leases of jobs still running, and when the
 * database is back nothing is taken away from it: every result is written once, no job runs
 * twice. (The rescuer waits a lease of quiet after any gap before it sweeps; the worker
 * heartbeats and writes what it kept before it claims again.)
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrdo } from '../src/client/ordo.js';
import { StoreUnavailableError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { createWorker, type Worker } from '../src/worker/worker.js';
import { dropCreatedSchemas, engines, freshClockedStore } from './support/engines.js';
import { waitFor } from './support/wait.js';

/** Calls that keep working while the store is "down": they touch no database. */
const LOCAL = new Set(['engine', 'capabilities', 'close', 'onJobsAvailable']);

/**
 * `store`, except that every call fails like an unreachable PostgreSQL while `down` is set,
 * but those named in `back` (connections do not all come back at the same moment).
 */
function switchable(store: Store): { store: Store; down: boolean; back: Set<string>; failedCalls: number } {
  const state = { store, down: false, back: new Set<string>(), failedCalls: 0 };
  state.store = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || LOCAL.has(String(key))) return value;
      return (...args: unknown[]) => {
        if (!state.down || state.back.has(String(key))) return (value as (...a: unknown[]) => unknown).apply(target, args);
        state.failedCalls++;
        return Promise.reject(new StoreUnavailableError('PostgreSQL is unavailable (connection refused); retry later'));
      };
    },
  });
  return state;
}

afterAll(dropCreatedSchemas);

describe.each(engines)('a worker through an outage longer than its lease on $name', (engine) => {
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.stop({ graceMs: 0 });
    worker = undefined;
  });

  it('writes the results it held and renews its leases: nothing is rescued or run twice', async () => {
    const { store: real, clock } = await freshClockedStore(engine);
    const db = switchable(real);
    const runs = new Map<string, number>();
    let openShort!: () => void;
    let openLong!: () => void;
    const short = new Promise<void>((resolve) => (openShort = resolve));
    const long = new Promise<void>((resolve) => (openLong = resolve));
    const task = defineTask('gated', async (payload: { gate: 'short' | 'long' }, ctx) => {
      runs.set(ctx.jobId, (runs.get(ctx.jobId) ?? 0) + 1);
      await (payload.gate === 'short' ? short : long);
      return `done ${payload.gate}`;
    });
    const ordo = await createOrdo({ store: real, tasks: [task] });
    try {
      const ids: string[] = [];
      for (const gate of ['short', 'short', 'long'] as const) ids.push((await ordo.enqueue('gated', { gate })).id);
      worker = createWorker({ store: db.store, tasks: [task], leaseMs: 1_000, heartbeatMs: 500, rescueMs: 20, pollMs: 20, logger: createLogger({ level: 'silent' }) });
      await worker.start();
      await waitFor(() => runs.size, (n) => n === 3, 'all three jobs to start');
      await waitFor(() => worker!.isMaintenanceLeader, (leader) => leader, 'the worker to lead maintenance');

      db.down = true;
      openShort(); // two jobs end while the database is away: their results are kept
      clock.advance(10_000); // ten leases pass in the store's time
      await waitFor(() => db.failedCalls, (n) => n >= 10, 'the worker to notice the outage');
      await waitFor(() => worker!.isMaintenanceLeader, (leader) => !leader, 'the worker to step down as leader');
      // The rescuer's connection is back first: it leads again at once, while the holder
      // still cannot reach the database for a moment. Its leases stay expired until then.
      for (const call of ['leaderElect', 'leaderResign', 'jobRescueExpired']) db.back.add(call);
      await waitFor(() => worker!.isMaintenanceLeader, (leader) => leader, 'the worker to lead again');
      await new Promise((resolve) => setTimeout(resolve, 200));
      db.down = false;

      await waitFor(() => ordo.getJob(ids[0]!), (job) => job?.state === 'succeeded', 'the kept results to be written', 10_000);
      // The rescuer's quiet lease after the outage passes with the long job still running.
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect((await ordo.getJob(ids[2]!))!.state).toBe('running');
      openLong();
      for (const id of ids) {
        const job = await waitFor(() => ordo.getJob(id), (j) => j?.state === 'succeeded', `job ${id} to succeed`);
        expect(job!.attempts.map((a) => [a.attempt, a.outcome, a.worker])).toEqual([[1, 'succeeded', worker.name]]);
      }
      expect([...runs.values()]).toEqual([1, 1, 1]);
    } finally {
      openShort();
      openLong();
      await worker?.stop({ graceMs: 0 });
      worker = undefined;
      await ordo.close();
      await real.close();
    }
  });
});
