/**
 * The injected test clock, on both engines: moving it forward makes delayed jobs due and
 * leases expire at once, with the store's own clock (the database's, on PostgreSQL) still
 * the one that decides; a store without a clock is unaffected.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { openStore } from '../src/store/open.js';
import { shiftedText } from '../src/store/postgres/clock.js';
import { TestClock } from './support/clock.js';
import { dropCreatedSchemas, engines, freshClockedStore, freshStore, postgresFixture } from './support/engines.js';
import { job } from './support/jobs.js';

const MINUTE = 60_000;

describe.each(engines)('store clock: $name', (engine) => {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(dropCreatedSchemas);

  async function clocked() {
    const fresh = await freshClockedStore(engine);
    opened.push(fresh.store);
    return fresh;
  }

  const claim = (store: Store, leaseMs = 30_000) => store.jobClaim({ workerId: 'w', queues: ['default'], limit: 5, leaseMs });

  it('makes a delayed job due when advanced past its delay', async () => {
    const { store, clock } = await clocked();
    const [created] = await store.jobInsertMany({ jobs: [job({ delayMs: 10 * MINUTE })] });
    expect(await claim(store)).toEqual([]);
    clock.advance(10 * MINUTE + 1_000);
    expect(await store.jobNextDueIn({ queues: ['default'] })).toBe(0);
    const [running] = await claim(store);
    expect(running?.id).toBe(created!.id);
    // The claim's times are the shifted clock's: ten minutes ahead of real time.
    expect(running!.startedAt!.getTime() - Date.now()).toBeGreaterThan(9 * MINUTE);
  });

  it('expires a lease when advanced past it, and the rescue records the shifted time', async () => {
    const { store, clock } = await clocked();
    const [created] = await store.jobInsertMany({ jobs: [job()] });
    await claim(store, MINUTE);
    expect(await store.jobRescueExpired()).toEqual({ rescued: [], failed: [], cancelled: [] });
    clock.advance(MINUTE + 1_000);
    expect(await store.jobRescueExpired()).toEqual({ rescued: [created!.id], failed: [], cancelled: [] });
    const rescued = await store.jobGet({ id: created!.id });
    expect(rescued?.attempts[0]?.outcome).toBe('worker_lost');
    expect(rescued!.attempts[0]!.finishedAt.getTime() - Date.now()).toBeGreaterThan(MINUTE / 2);
  });

  it('keeps prepared statements apart when the offset changes between calls', async () => {
    const { store, clock } = await clocked();
    await store.jobInsertMany({ jobs: [job(), job({ delayMs: 5 * MINUTE })] });
    expect(await claim(store)).toHaveLength(1);
    clock.advance(5 * MINUTE + 1_000);
    expect(await claim(store)).toHaveLength(1);
  });

  it('leaves a store without a clock on real time', async () => {
    const store = await freshStore(engine);
    opened.push(store);
    await store.jobInsertMany({ jobs: [job({ delayMs: 10 * MINUTE })] });
    expect(await claim(store)).toEqual([]);
    expect(await store.jobNextDueIn({ queues: ['default'] })).toBeGreaterThan(9 * MINUTE);
  });
});

describe('store clock on PostgreSQL: the database clock, shifted', () => {
  afterAll(dropCreatedSchemas);

  it('rewrites every now() and statement_timestamp() of a statement, and nothing at offset 0', () => {
    const sql = 'SELECT now(), statement_timestamp(), xnow() FROM t WHERE run_at <= now()';
    expect(shiftedText(sql, 0)).toBe(sql);
    expect(shiftedText(sql, 1500)).toBe(
      "SELECT (now() + 1500 * interval '1 millisecond'), (statement_timestamp() + 1500 * interval '1 millisecond'), xnow() FROM t WHERE run_at <= (now() + 1500 * interval '1 millisecond')",
    );
  });

  it("runs a caller's transaction on the shifted clock too", async () => {
    const { db, schema } = await postgresFixture.freshDatabase();
    const clock = new TestClock();
    clock.advance(60 * MINUTE);
    const store = await openStore(db, { schema: schema!, clock });
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    try {
      await client.query('BEGIN');
      const [created] = await store.jobInsertMany({ jobs: [job()], tx: client });
      await client.query('COMMIT');
      const inserted = await store.jobGet({ id: created!.id });
      expect(inserted!.createdAt.getTime() - Date.now()).toBeGreaterThan(59 * MINUTE);
    } finally {
      await client.end();
      await store.close();
    }
  });
});
