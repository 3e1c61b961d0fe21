/**
 * Firing schedules on PostgreSQL, what only this engine promises: concurrent schedulers
 * split the due schedules (FOR UPDATE SKIP LOCKED) instead of queuing behind one another, so
 * a schedule locked by a slow scheduler delays nobody else's; the jobs a fire enqueues wake
 * workers of other stores (NOTIFY on commit); a schedule change made by one store wakes
 * another store's scheduler; and, under load, the fire ledger keeps every fire time to one
 * job. Measured numbers are printed for the record, not asserted.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TestClock } from './support/clock.js';
import { everyNext, everyPlan, fireAllDue, schedule } from './support/jobs.js';
import { freshSchema, heardQueues, testUrl, usePostgres } from './support/postgres.js';
import { waitUntil } from './support/wait.js';

const MINUTE = 60_000;

describe('postgres schedules', () => {
  const pgs = usePostgres();

  it('a scheduler holding one schedule does not hold up the others', async () => {
    const schema = freshSchema('sch');
    const clock = new TestClock();
    const store = await pgs.open({ schema, clock });
    for (const name of ['held', 'free']) await store.scheduleUpsert({ schedule: schedule({ name, misfire: 'once' }), mode: 'create', next: everyNext(MINUTE) });
    clock.advance(2 * MINUTE);
    const other = new pg.Client({ connectionString: testUrl() });
    other.on('error', () => undefined);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM "${schema}".schedules WHERE name = 'held' FOR UPDATE`);
      const started = Date.now();
      const fires = await store.scheduleFireDue({ limit: 10, plan: everyPlan });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(fires.map((f) => f.schedule)).toEqual(['free']);
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
    expect((await store.scheduleFireDue({ limit: 10, plan: everyPlan })).map((f) => f.schedule)).toEqual(['held']);
  });

  it("wakes another store's workers with the jobs a fire enqueues", async () => {
    const schema = freshSchema('sch');
    const clock = new TestClock();
    const [scheduler, worker] = [await pgs.open({ schema, clock }), await pgs.open({ schema, clock, migrate: false })];
    const heard = await heardQueues(worker);
    await scheduler.scheduleUpsert({ schedule: schedule({ job: { ...schedule().job, queue: 'reports' } }), mode: 'create', next: everyNext(MINUTE) });
    clock.advance(2 * MINUTE);
    expect((await scheduler.scheduleFireDue({ limit: 10, plan: everyPlan })).length).toBeGreaterThan(0);
    await waitUntil(() => heard.includes('reports'), 3000, 'a wake-up for queue reports');
  });

  it('deletes the ledger rows of a deleted schedule with it', async () => {
    const schema = freshSchema('sch');
    const store = await pgs.open({ schema });
    await store.scheduleUpsert({ schedule: schedule(), mode: 'create', next: everyNext(MINUTE) });
    await store.scheduleFireNow({ name: 'every-minute' });
    await store.scheduleFireNow({ name: 'every-minute' });
    const count = async () => (await pgs.admin<{ n: number }>(`SELECT count(*)::integer AS n FROM "${schema}".schedule_fires`))[0]!.n;
    expect(await count()).toBe(2);
    await store.scheduleDelete({ name: 'every-minute' });
    expect(await count()).toBe(0);
  });

  it('fires 500 schedules from 5 stores at once: one job per fire time', async () => {
    const schema = freshSchema('sch');
    const clock = new TestClock();
    const stores = [await pgs.open({ schema, clock, poolSize: 2 })];
    for (let i = 1; i < 5; i++) stores.push(await pgs.open({ schema, clock, poolSize: 2, migrate: false }));
    for (let i = 0; i < 500; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          stores[0]!.scheduleUpsert({ schedule: schedule({ name: `s${i + j}`, misfire: 'once' }), mode: 'create', next: everyNext(MINUTE) }),
        ),
      );
    }
    clock.advance(2 * MINUTE);
    const started = performance.now();
    const fires = (await Promise.all(stores.map((store) => fireAllDue(store)))).flat();
    const elapsed = performance.now() - started;
    expect(fires).toHaveLength(500);
    expect(new Set(fires.map((f) => f.schedule)).size).toBe(500);
    const { total } = await stores[0]!.jobList({});
    expect(total).toBe(500);
    console.info(`postgres: 500 due schedules fired by 5 stores in ${elapsed.toFixed(0)} ms (${fires.length} jobs)`);
  });
});
