/**
 * The scheduler loop and the pruner over a store stub whose answers the test sets: fires are
 * published, a full batch is followed at once by another call, the sleep follows
 * `scheduleNextDueIn` (capped, never a busy loop) and ends on a change notification, a failing
 * store is retried with backoff, an overdue schedule is reported once; the pruner prunes only
 * while leader, in batches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type OrdoEvents } from '../src/core/events.js';
import { createLogger } from '../src/core/logger.js';
import type { ScheduleFire, ScheduleRecord } from '../src/core/types.js';
import type { Elector } from '../src/maintenance/elector.js';
import { Pruner } from '../src/maintenance/pruner.js';
import { Scheduler } from '../src/maintenance/scheduler.js';
import type { SchedulePlan, Store } from '../src/store/contract.js';
import { sleep, waitUntil } from './support/wait.js';

const quiet = createLogger({ level: 'silent' });

function fire(n: number): ScheduleFire {
  return { scheduleId: 's1', schedule: 'tick', fireTime: new Date(n * 1000), firedAt: new Date(), jobId: String(n), manual: false, skipped: null, jobState: 'pending' };
}

const record = (nextRunAt: Date): ScheduleRecord =>
  ({ name: 'tick', timing: { kind: 'every', everyMs: 1000, tz: 'UTC' }, misfire: 'once', misfireLimit: 100, nextRunAt }) as unknown as ScheduleRecord;

/** A store whose fire answers are queued by the test; `dueIn` is what scheduleNextDueIn says. */
function stubStore() {
  const stub = {
    answers: [] as (ScheduleFire[] | Error | ((plan: (s: ScheduleRecord, now: Date) => SchedulePlan) => ScheduleFire[]))[],
    calls: 0,
    dueIn: null as number | null,
    changed: null as null | (() => void),
    store: {} as Store,
  };
  stub.store = {
    capabilities: { crossProcessNotify: false, crossProcessJobWake: false, transactionalEnqueue: false },
    scheduleFireDue: async ({ plan }: { plan: (s: ScheduleRecord, now: Date) => SchedulePlan }) => {
      stub.calls++;
      const answer = stub.answers.shift() ?? [];
      if (answer instanceof Error) throw answer;
      return typeof answer === 'function' ? answer(plan) : answer;
    },
    scheduleNextDueIn: async () => stub.dueIn,
    onSchedulesChanged: (listener: () => void) => {
      stub.changed = listener;
      return () => (stub.changed = null);
    },
  } as unknown as Store;
  return stub;
}

let running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

function startScheduler(stub: ReturnType<typeof stubStore>, extra: { onError?: (err: unknown) => void } = {}) {
  const events = new EventBus<OrdoEvents>();
  const scheduler = new Scheduler({ store: stub.store, logger: quiet, events, batch: 2, fallbackPollMs: 60_000, ...extra });
  running.push(scheduler);
  return { scheduler, events };
}

describe('Scheduler', () => {
  it('publishes every fire and calls again at once while a whole batch came back', async () => {
    const stub = stubStore();
    stub.answers.push([fire(1), fire(2)], [fire(3)]);
    const { scheduler, events } = startScheduler(stub);
    const seen: string[] = [];
    events.on('schedule:fired', (f) => void seen.push(f.jobId!));
    await scheduler.start();
    await waitUntil(() => seen.length === 3);
    expect(seen).toEqual(['1', '2', '3']);
    expect(stub.calls).toBe(2);
  });

  it('sleeps until the next due time, however far (no timer overflow, no busy loop), and wakes on a change', async () => {
    const stub = stubStore();
    stub.dueIn = 40 * 86_400_000; // beyond a 32-bit timer
    const { scheduler } = startScheduler(stub);
    await scheduler.start();
    await sleep(200);
    expect(stub.calls).toBe(1);
    stub.changed!();
    await waitUntil(() => stub.calls === 2);
  });

  it('looks again shortly, not in a loop, when a schedule is due but another process holds it', async () => {
    const stub = stubStore();
    stub.dueIn = 0;
    const { scheduler } = startScheduler(stub);
    await scheduler.start();
    await sleep(300);
    expect(stub.calls).toBeGreaterThan(1);
    expect(stub.calls).toBeLessThan(15);
  });

  it('reports a failing store and retries with backoff', async () => {
    const stub = stubStore();
    stub.answers.push(new Error('db away'), new Error('db away'), [fire(1)]);
    const errors: unknown[] = [];
    const { scheduler, events } = startScheduler(stub, { onError: (err) => errors.push(err) });
    const seen: ScheduleFire[] = [];
    events.on('schedule:fired', (f) => void seen.push(f));
    await scheduler.start();
    await waitUntil(() => seen.length === 1, 5_000);
    expect(errors).toHaveLength(2);
  });

  it('reports an overdue schedule once until it is on time again', async () => {
    const stub = stubStore();
    const late = (plan: (s: ScheduleRecord, now: Date) => SchedulePlan) => {
      const now = new Date();
      plan(record(new Date(now.getTime() - 600_000)), now);
      return [];
    };
    stub.answers.push(late);
    const { scheduler, events } = startScheduler(stub);
    const overdue: string[] = [];
    events.on('schedule:overdue', (o) => void overdue.push(o.schedule));
    await scheduler.start();
    await waitUntil(() => overdue.length === 1);
    stub.answers.push(late);
    stub.changed!();
    await waitUntil(() => stub.calls === 2);
    expect(overdue).toEqual(['tick']);
  });

  it('stops promptly while sleeping', async () => {
    const stub = stubStore();
    stub.dueIn = 60_000;
    const { scheduler } = startScheduler(stub);
    await scheduler.start();
    const started = Date.now();
    await scheduler.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('Pruner', () => {
  it('prunes only while leader, batch after batch while batches come back full', async () => {
    const leader = { isLeader: false };
    const calls: number[] = [];
    // A full batch of any kind (here jobs, then events) asks for another.
    const answers = [
      { jobs: 1000, fires: 3, audit: 0, runs: 0, events: 0 },
      { jobs: 10, fires: 0, audit: 0, runs: 0, events: 1000 },
      { jobs: 0, fires: 0, audit: 0, runs: 0, events: 5 },
    ];
    const store = {
      jobPrune: async ({ olderThanMs }: { olderThanMs: number }) => {
        calls.push(olderThanMs);
        return answers.shift() ?? { jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 };
      },
    } as unknown as Store;
    const pruner = new Pruner({ store, elector: leader as unknown as Elector, ageMs: 5_000, logger: quiet, onError: () => {} });
    expect(await pruner.tick()).toEqual({ jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 });
    expect(calls).toEqual([]);
    leader.isLeader = true;
    expect(await pruner.tick()).toEqual({ jobs: 1010, fires: 3, audit: 0, runs: 0, events: 1005 });
    expect(calls).toEqual([5_000, 5_000, 5_000]);
  });
});
