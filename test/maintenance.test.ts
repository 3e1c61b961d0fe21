/**
 * Maintenance under leadership: the elector (term, step down, resign) and the lease rescuer
 * (only while leader, and only after a lease of quiet following any gap: new leadership, a
 * failed call, a frozen process), over a store stub whose answers the test sets; then two
 * hosts on each real engine.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../src/core/errors.js';
import { EventBus, type OrdoEvents } from '../src/core/events.js';
import { createLogger } from '../src/core/logger.js';
import { Elector, type Leadership } from '../src/maintenance/elector.js';
import { Maintenance } from '../src/maintenance/maintenance.js';
import type { Store } from '../src/store/contract.js';
import { dropCreatedSchemas, engines, freshClockedStore } from './support/engines.js';
import { job } from './support/jobs.js';
import { waitUntil } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

/** A store that answers elections as `answer` says and counts rescue sweeps. */
function stubStore() {
  const stub = {
    answer: { term: 1 } as Leadership | Error,
    elections: 0,
    resigned: 0,
    sweeps: [] as number[],
    failSweep: false,
    store: {} as Store,
  };
  stub.store = {
    leaderElect: async () => {
      stub.elections++;
      if (stub.answer instanceof Error) throw stub.answer;
      return stub.answer;
    },
    leaderResign: async () => {
      stub.resigned++;
    },
    jobRescueExpired: async () => {
      stub.sweeps.push(Date.now());
      if (stub.failSweep) throw new StoreUnavailableError('PostgreSQL is unavailable (test); retry later');
      return { rescued: ['1'], failed: [], cancelled: [] };
    },
  } as unknown as Store;
  return stub;
}

/** Blocks the event loop for `ms`, as a CPU-bound handler would. */
function freeze(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

const running: Maintenance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.stop()));
});

function host(store: Store, options: { holderId?: string; leaseMs?: number; rescueMs?: number; events?: EventBus<OrdoEvents> } = {}): Maintenance {
  const errors: string[] = [];
  const maintenance = new Maintenance({
    store,
    holderId: options.holderId ?? 'host-a',
    leaseMs: options.leaseMs ?? 200,
    rescueMs: options.rescueMs ?? 20,
    logger: quiet,
    events: options.events,
    onStoreError: (err, during) => errors.push(`${during}: ${(err as Error).message}`),
  });
  running.push(maintenance);
  return maintenance;
}

describe('Elector', () => {
  function elector(store: Store, errors: unknown[] = []): Elector {
    return new Elector({ store, role: 'maintenance', holderId: 'a', ttlMs: 60, logger: quiet, onError: (err) => errors.push(err) });
  }

  it('leads with the term the store gives, renews every third of the ttl, and resigns on stop', async () => {
    const stub = stubStore();
    stub.answer = { term: 7 };
    const e = elector(stub.store);
    const seen: Leadership[] = [];
    e.onChange((leadership) => seen.push(leadership));
    await e.start();
    await waitUntil(() => stub.elections >= 4, 2_000, 'four elections');
    expect(e.isLeader).toBe(true);
    expect(e.term).toBe(7);
    expect(seen).toEqual([{ term: 7 }]);
    await e.stop();
    expect(stub.resigned).toBe(1);
    expect(e.isLeader).toBe(false);
    expect(seen).toEqual([{ term: 7 }, null]);
  });

  it('steps down when the store answers null or fails, and says so', async () => {
    const stub = stubStore();
    const errors: unknown[] = [];
    const e = elector(stub.store, errors);
    await e.start();
    await waitUntil(() => e.isLeader, 2_000, 'leadership');
    stub.answer = null;
    await waitUntil(() => !e.isLeader, 2_000, 'stepping down on null');
    stub.answer = { term: 2 };
    await waitUntil(() => e.term === 2, 2_000, 'a new term');
    stub.answer = new StoreUnavailableError('PostgreSQL is unavailable (test); retry later');
    await waitUntil(() => !e.isLeader, 2_000, 'stepping down on a failed election');
    expect(errors[0]).toBe(stub.answer);
    await e.stop();
    expect(stub.resigned).toBe(1); // a failed election may have left the role ours in the store
  });
});

describe('Rescuer', () => {
  it('sweeps only while leader: at once on a first leadership, after a lease of quiet when it is regained', async () => {
    const stub = stubStore();
    stub.answer = null;
    const events = new EventBus<OrdoEvents>();
    const rescued: unknown[] = [];
    events.on('jobs:rescued', (counts) => rescued.push(counts));
    const m = host(stub.store, { leaseMs: 300, events });
    await m.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(stub.sweeps).toEqual([]);
    stub.answer = { term: 1 };
    await waitUntil(() => m.isLeader, 2_000, 'leadership');
    const ledAt = Date.now();
    await waitUntil(() => stub.sweeps.length > 0, 3_000, 'a first sweep');
    // Nothing went wrong before: a restarted worker recovers its predecessor's jobs at once.
    expect(stub.sweeps[0]! - ledAt).toBeLessThan(200);
    expect(rescued[0]).toEqual({ rescued: 1, failed: 0, cancelled: 0 });
    stub.answer = null;
    await waitUntil(() => !m.isLeader, 2_000, 'stepping down');
    const before = stub.sweeps.length;
    stub.answer = { term: 2 };
    await waitUntil(() => m.isLeader, 2_000, 'leadership again');
    const regainedAt = Date.now();
    await waitUntil(() => stub.sweeps.length > before, 3_000, 'a sweep after regaining');
    // A lease (300 ms) of quiet, less what waitUntil's polling took to see the leadership.
    expect(stub.sweeps[before]! - regainedAt).toBeGreaterThanOrEqual(250);
    await m.stop();
  });

  it('waits a lease again after a failed sweep, a new term, or a frozen process', async () => {
    const stub = stubStore();
    const m = host(stub.store, { leaseMs: 300, rescueMs: 20 });
    await m.start();
    await waitUntil(() => stub.sweeps.length >= 2, 3_000, 'regular sweeps');

    // A failed sweep: the database was away, so holders may not have heartbeated.
    stub.failSweep = true;
    const failures = stub.sweeps.length;
    await waitUntil(() => stub.sweeps.length > failures, 2_000, 'a failing sweep');
    stub.failSweep = false;
    const failedAt = stub.sweeps.at(-1)!;
    await waitUntil(() => stub.sweeps.length > failures + 1, 3_000, 'a sweep after the failure');
    expect(stub.sweeps[failures + 1]! - failedAt).toBeGreaterThanOrEqual(280);

    // A new term: leadership changed hands in between.
    stub.answer = { term: 2 };
    await waitUntil(() => m.elector.term === 2, 2_000, 'term 2');
    const termAt = Date.now();
    const before = stub.sweeps.length;
    await waitUntil(() => stub.sweeps.length > before, 3_000, 'a sweep in term 2');
    expect(stub.sweeps[before]! - termAt).toBeGreaterThanOrEqual(250);

    // A frozen process: its own holders could not heartbeat either.
    freeze(400);
    const thawedAt = Date.now();
    const frozen = stub.sweeps.length;
    await waitUntil(() => stub.sweeps.length > frozen, 3_000, 'a sweep after the freeze');
    expect(stub.sweeps[frozen]! - thawedAt).toBeGreaterThanOrEqual(250);
  });
});

afterAll(dropCreatedSchemas);

describe.each(engines)('maintenance on $name', (engine) => {
  it('runs in one host at a time, rescues expired leases, and fails over when the leader stops', async () => {
    const { store, clock } = await freshClockedStore(engine);
    try {
      const a = host(store, { holderId: 'host-a', leaseMs: 300 });
      const b = host(store, { holderId: 'host-b', leaseMs: 300 });
      await a.start();
      await waitUntil(() => a.isLeader, 5_000, 'host-a to lead');
      await b.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([a.isLeader, b.isLeader]).toEqual([true, false]);

      const [inserted] = await store.jobInsertMany({ jobs: [job()] });
      const id = inserted!.id;
      await store.jobClaim({ workerId: 'dead', queues: ['default'], limit: 1, leaseMs: 60_000 });
      clock.advance(61_000);
      await waitUntil(async () => (await store.jobGet({ id }))?.state === 'pending', 5_000, 'the expired job to be rescued');
      expect((await store.jobGet({ id }))!.attempts.map((x) => [x.outcome, x.worker])).toEqual([['worker_lost', 'dead']]);

      await a.stop(); // resigns: b takes over at its next election
      await waitUntil(() => b.isLeader, 5_000, 'host-b to take over');
    } finally {
      await Promise.all(running.splice(0).map((m) => m.stop()));
      await store.close();
    }
  });
});
