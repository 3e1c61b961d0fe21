/**
 * Builders of what tests hand the Store: a fully resolved job to insert, the finish of a
 * claimed job, and a schedule definition with a plain fixed-interval timing (the store
 * tests plan fires with `everyNext`/`everyPlan` below, so they do not depend on the real
 * timing code). Plain data, no test framework, so child processes (the claimer scripts) can
 * use them too.
 */
import type { JobFinish, JobInsert, JobRecord, ScheduleFire, ScheduleInput, ScheduleRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';

/** A due job on queue `default` with every field resolved; override what the test needs. */
export function job(overrides: Partial<JobInsert> = {}): JobInsert {
  return {
    task: 'test.task',
    queue: 'default',
    payload: { n: 1 },
    priority: 0,
    runAt: null,
    delayMs: 0,
    maxAttempts: 3,
    timeoutMs: null,
    backoffBaseMs: null,
    backoffCapMs: null,
    uniqueKey: null,
    ...overrides,
  };
}

/** A finish of the claimed `running` job, by the worker holding it; override the outcome. */
/** A job record as a worker holds it after a claim (job 7, attempt 1 by `w1`), for code that runs attempts without a store. */
export function claimedJob(fields: Partial<JobRecord> = {}): JobRecord {
  const at = new Date('2026-01-02T03:04:05.678Z');
  return {
    id: '7', task: 'probe', queue: 'default', payload: {}, state: 'running', priority: 0, runAt: at, createdAt: at,
    attempt: 1, maxAttempts: 3, timeoutMs: null, backoffBaseMs: null, backoffCapMs: null, uniqueKey: null,
    lockedBy: 'w1', lockedUntil: at, startedAt: at, finishedAt: null, cancelRequested: false, progress: null,
    result: null, lastError: null, attempts: [], traceId: null, workflow: null, concurrencyKey: null, ...fields,
  };
}

export function finishOf(running: JobRecord, overrides: Partial<JobFinish> = {}): JobFinish {
  return {
    id: running.id,
    attempt: running.attempt,
    workerId: running.lockedBy ?? 'worker-1',
    state: 'succeeded',
    outcome: 'succeeded',
    startedAt: running.startedAt ?? new Date(),
    finishedAt: new Date(),
    ...overrides,
  };
}

/** A schedule firing every minute, enqueuing `test.task` on `default`; override what the test needs. */
export function schedule(overrides: Partial<ScheduleInput> & { name?: string } = {}): ScheduleInput {
  return {
    name: 'every-minute',
    timing: { kind: 'every', everyMs: 60_000, tz: 'UTC' },
    job: {
      task: 'test.task',
      queue: 'default',
      payload: { n: 1 },
      priority: 0,
      maxAttempts: 3,
      timeoutMs: null,
      backoffBaseMs: null,
      backoffCapMs: null,
    },
    misfire: 'all',
    misfireLimit: 100,
    overlap: 'allow',
    source: 'api',
    ...overrides,
  };
}

/** The first multiple of `everyMs` (since the epoch) after `now`: a schedule's `next`. */
export function everyNext(everyMs: number): (now: Date) => Date {
  return (now) => new Date((Math.floor(now.getTime() / everyMs) + 1) * everyMs);
}

/**
 * A plan for `every` schedules: every multiple of the interval in [nextRunAt, now] (the
 * latest only under `misfire: 'once'`, the latest `misfireLimit` under `all`), next = the
 * first multiple after now. Enough for store tests; the real policy is core's.
 */
export function everyPlan(s: ScheduleRecord, now: Date): { fireTimes: Date[]; nextRunAt: Date | null } {
  const everyMs = s.timing.kind === 'every' ? s.timing.everyMs : 60_000;
  const times: Date[] = [];
  for (let t = s.nextRunAt?.getTime() ?? Infinity; t <= now.getTime(); t += everyMs) times.push(new Date(t));
  const kept = s.misfire === 'all' ? times.slice(-s.misfireLimit) : times.slice(-1);
  return { fireTimes: kept, nextRunAt: everyNext(everyMs)(now) };
}

/** Fires due schedules in batches of `batch` until a batch comes back short; all the fires. */
export async function fireAllDue(store: Pick<Store, 'scheduleFireDue'>, batch = 100): Promise<ScheduleFire[]> {
  const all: ScheduleFire[] = [];
  for (;;) {
    const fires = await store.scheduleFireDue({ limit: batch, plan: everyPlan });
    all.push(...fires);
    if (fires.length < batch) return all;
  }
}
