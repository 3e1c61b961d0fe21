/**
 * Shared helpers of the store conformance suite: a per-test store (fresh, migrated, closed
 * afterwards), extra stores on one shared database for concurrency cases, job builders and
 * small waiting helpers. Everything goes through the Store interface; no engine SQL.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import type { JobInsert, JobRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { openStore } from '../../src/store/open.js';
import { TestClock } from '../support/clock.js';
import { type EngineFixture, freshStore } from '../support/engines.js';

export { everyNext, everyPlan, finishOf, job, schedule } from '../support/jobs.js';
export { sleep, waitUntil } from '../support/wait.js';

/** Allowed difference between the store's clock and this process's clock in assertions. */
export const CLOCK_SLACK_MS = 1000;
/** A lease long enough never to expire during a test. */
export const LONG_LEASE_MS = 60_000;
/** A lease short enough to expire with a small move of the test clock. */
export const SHORT_LEASE_MS = 150;

export interface ContractContext {
  readonly fixture: EngineFixture;
  /** This test's store: fresh, empty, migrated; closed after the test. */
  readonly store: Store;
  /** The clock of this test's store: at real time until a test advances it. */
  readonly clock: TestClock;
  /** `count` more stores on one fresh database of their own, as separate processes would have, on this test's clock. */
  openShared(count: number): Promise<Store[]>;
}

/** Registers the hooks that give each test of the calling `describe` its own store. */
export function useContractContext(fixture: EngineFixture): ContractContext {
  let current: Store | undefined;
  let clock = new TestClock();
  const extra: Store[] = [];
  beforeEach(async () => {
    clock = new TestClock();
    current = await freshStore(fixture, { clock });
  });
  afterEach(async () => {
    const open = [current, ...extra.splice(0)].filter((s): s is Store => s !== undefined);
    current = undefined;
    await Promise.all(open.map((s) => s.close()));
  });
  return {
    fixture,
    get store(): Store {
      if (!current) throw new Error('the contract store is only available inside a test');
      return current;
    },
    get clock(): TestClock {
      return clock;
    },
    async openShared(count) {
      const { db, schema } = await fixture.freshDatabase();
      const stores: Store[] = [];
      for (let i = 0; i < count; i++) {
        const store = await openStore(db, { ...(schema ? { schema } : {}), clock });
        extra.push(store);
        stores.push(store);
      }
      return stores;
    },
  };
}

/** Inserts jobs and returns their ids, in order. */
export async function insert(store: Store, ...jobs: JobInsert[]): Promise<string[]> {
  const results = await store.jobInsertMany({ jobs });
  return results.map((r) => r.id);
}

/** Claims exactly one job (failing the test otherwise). */
export async function claimOne(
  store: Store,
  options: { queues?: string[]; workerId?: string; leaseMs?: number } = {},
): Promise<JobRecord> {
  const [claimed, ...rest] = await store.jobClaim({
    workerId: options.workerId ?? 'worker-1',
    queues: options.queues ?? ['default'],
    limit: 1,
    leaseMs: options.leaseMs ?? LONG_LEASE_MS,
  });
  if (!claimed || rest.length > 0) throw new Error(`expected to claim one job, claimed ${claimed ? 1 + rest.length : 0}`);
  return claimed;
}

/** Reads a job that must exist. */
export async function mustGet(store: Store, id: string): Promise<JobRecord> {
  const found = await store.jobGet({ id });
  if (!found) throw new Error(`job ${id} does not exist`);
  return found;
}

/** Asserts `date` is within `slackMs` of `expectedMs` (the store's clock may differ a little). */
export function expectNear(date: Date | null | undefined, expectedMs: number, slackMs = CLOCK_SLACK_MS): void {
  expect(date, 'expected a Date').toBeInstanceOf(Date);
  const offBy = (date as Date).getTime() - expectedMs;
  expect(Math.abs(offBy), `${(date as Date).toISOString()} is ${offBy} ms from ${new Date(expectedMs).toISOString()}`).toBeLessThanOrEqual(slackMs);
}
