/**
 * Contract area: scheduleFireDue, scheduleFireNow, scheduleHistory, and the fire ledger's
 * promise: each fire time of a schedule enqueues at most once, however many stores fire at
 * the same moment and even if `nextRunAt` is moved back; overlap policies; paused
 * schedules; manual fires. Time moves with the test clock, never by sleeping.
 */
import { expect, it } from 'vitest';
import type { ScheduleRecord } from '../../src/core/types.js';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, claimOne, everyNext, everyPlan, finishOf, mustGet, schedule } from './support.js';

const MINUTE = 60_000;

/** The interval of an `every` timing (a minute for other kinds): what `next` steps by. */
function intervalOf(overrides: Parameters<typeof schedule>[0]): number {
  const timing = overrides?.timing;
  return timing?.kind === 'every' ? timing.everyMs : MINUTE;
}

async function create(store: Store, overrides: Parameters<typeof schedule>[0] = {}): Promise<ScheduleRecord> {
  const { record } = await store.scheduleUpsert({ schedule: schedule(overrides), mode: 'create', next: everyNext(intervalOf(overrides)) });
  return record;
}

async function mustSchedule(store: Store, name = 'every-minute'): Promise<ScheduleRecord> {
  const found = await store.scheduleGet({ name });
  if (!found) throw new Error(`schedule ${name} does not exist`);
  return found;
}

const fireDue = (store: Store) => store.scheduleFireDue({ limit: 100, plan: everyPlan });

export function scheduleFiresCases(ctx: ContractContext): void {
  it('fires nothing before nextRunAt, then the due fire time once, and moves on', async () => {
    const created = await create(ctx.store);
    expect(await fireDue(ctx.store)).toEqual([]);
    ctx.clock.advance(created.nextRunAt!.getTime() - ctx.clock.now().getTime() + 1000);
    const fires = await fireDue(ctx.store);
    expect(fires).toEqual([
      {
        scheduleId: created.id,
        schedule: 'every-minute',
        fireTime: created.nextRunAt,
        firedAt: expect.any(Date),
        jobId: expect.stringMatching(/^[0-9]+$/),
        manual: false,
        skipped: null,
        jobState: 'pending',
      },
    ]);
    const job = await mustGet(ctx.store, fires[0]!.jobId!);
    expect(job).toMatchObject({ task: 'test.task', queue: 'default', payload: { n: 1 }, state: 'pending', maxAttempts: 3, uniqueKey: null });
    const after = await mustSchedule(ctx.store);
    expect(after).toMatchObject({ lastFireAt: created.nextRunAt, lastJobId: job.id, lastOutcome: 'pending' });
    expect(after.nextRunAt!.getTime()).toBe(created.nextRunAt!.getTime() + MINUTE);
    expect(await fireDue(ctx.store)).toEqual([]);
  });

  it('hands plan the schedule and the store clock, and fires every time it returns', async () => {
    const created = await create(ctx.store);
    ctx.clock.advance(10 * MINUTE);
    const calls: { name: string; now: Date }[] = [];
    const fires = await ctx.store.scheduleFireDue({
      limit: 10,
      plan: (s, now) => {
        calls.push({ name: s.name, now });
        return everyPlan(s, now);
      },
    });
    expect(calls).toHaveLength(1);
    expect(Math.abs(calls[0]!.now.getTime() - ctx.clock.now().getTime())).toBeLessThan(1000);
    expect(fires.length).toBeGreaterThanOrEqual(10);
    expect(fires.map((f) => f.fireTime.getTime())).toEqual(fires.map((_, i) => created.nextRunAt!.getTime() + i * MINUTE));
    expect(new Set(fires.map((f) => f.jobId)).size).toBe(fires.length);
  });

  it('fires each due time exactly once when several stores fire at the same moment', async () => {
    const stores = await ctx.openShared(5);
    for (let i = 0; i < 8; i++) await create(stores[0]!, { name: `s${i}` });
    ctx.clock.advance(5 * MINUTE);
    const rounds = await Promise.all(stores.flatMap((store) => [fireDue(store), fireDue(store)]));
    const fires = rounds.flat();
    const keys = fires.map((f) => `${f.schedule}@${f.fireTime.toISOString()}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(fires.length).toBeGreaterThanOrEqual(8 * 5);
    const { jobs } = await stores[0]!.jobList({ page: { limit: 1000 } });
    expect(jobs).toHaveLength(fires.length);
    for (let i = 0; i < 8; i++) {
      const history = await stores[0]!.scheduleHistory({ name: `s${i}`, limit: 100 });
      expect(history.map((f) => f.fireTime.toISOString()).sort()).toEqual(
        fires.filter((f) => f.schedule === `s${i}`).map((f) => f.fireTime.toISOString()).sort(),
      );
    }
  });

  it('never fires a time already in the ledger, even when nextRunAt is moved back', async () => {
    const created = await create(ctx.store);
    ctx.clock.advance(2 * MINUTE);
    const stuck = () => ({ fireTimes: [created.nextRunAt!], nextRunAt: created.nextRunAt });
    const first = await ctx.store.scheduleFireDue({ limit: 10, plan: stuck });
    expect(first).toHaveLength(1);
    expect((await mustSchedule(ctx.store)).nextRunAt).toEqual(created.nextRunAt); // still due
    expect(await ctx.store.scheduleFireDue({ limit: 10, plan: stuck })).toEqual([]);
    expect((await ctx.store.jobList({})).total).toBe(1);
  });

  it('does not fire paused schedules, and fires them again once resumed', async () => {
    await create(ctx.store);
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: true });
    ctx.clock.advance(2 * MINUTE);
    expect(await fireDue(ctx.store)).toEqual([]);
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: false });
    expect((await fireDue(ctx.store)).length).toBeGreaterThan(0);
  });

  it('takes at most `limit` schedules per call', async () => {
    for (let i = 0; i < 5; i++) await create(ctx.store, { name: `s${i}`, misfire: 'once' });
    ctx.clock.advance(2 * MINUTE);
    expect(await ctx.store.scheduleFireDue({ limit: 2, plan: everyPlan })).toHaveLength(2);
    expect(await ctx.store.scheduleFireDue({ limit: 10, plan: everyPlan })).toHaveLength(3);
  });

  it('stops a one-off schedule once its plan says there is no next time', async () => {
    await create(ctx.store);
    ctx.clock.advance(2 * MINUTE);
    await ctx.store.scheduleFireDue({ limit: 10, plan: (s) => ({ fireTimes: [s.nextRunAt!], nextRunAt: null }) });
    expect((await mustSchedule(ctx.store)).nextRunAt).toBeNull();
    ctx.clock.advance(10 * MINUTE);
    expect(await fireDue(ctx.store)).toEqual([]);
    expect(await ctx.store.scheduleNextDueIn()).toBeNull();
  });

  it("overlap skip: records but skips fires while the last job is pending or running", async () => {
    await create(ctx.store, { overlap: 'skip', misfire: 'once' });
    ctx.clock.advance(MINUTE);
    const [first] = await fireDue(ctx.store);
    ctx.clock.advance(MINUTE);
    expect(await fireDue(ctx.store)).toMatchObject([{ jobId: null, skipped: 'overlap', jobState: null }]);
    const running = await claimOne(ctx.store);
    ctx.clock.advance(MINUTE);
    expect(await fireDue(ctx.store)).toMatchObject([{ jobId: null, skipped: 'overlap' }]);
    await ctx.store.jobFinishMany({ finishes: [finishOf(running)] });
    ctx.clock.advance(MINUTE);
    const [next] = await fireDue(ctx.store);
    expect(next).toMatchObject({ jobId: expect.any(String), skipped: null });
    expect(next!.jobId).not.toBe(first!.jobId);
    expect(await mustSchedule(ctx.store)).toMatchObject({ lastJobId: next!.jobId, lastFireAt: next!.fireTime });
  });

  it('overlap queue: skips while the last job is pending, fires while it runs', async () => {
    await create(ctx.store, { overlap: 'queue', misfire: 'once' });
    ctx.clock.advance(MINUTE);
    await fireDue(ctx.store);
    ctx.clock.advance(MINUTE);
    expect(await fireDue(ctx.store)).toMatchObject([{ skipped: 'overlap' }]);
    await claimOne(ctx.store);
    ctx.clock.advance(MINUTE);
    expect(await fireDue(ctx.store)).toMatchObject([{ jobId: expect.any(String), skipped: null }]);
  });

  it('overlap skip with several missed times: the first enqueues, the rest are recorded as skipped', async () => {
    await create(ctx.store, { overlap: 'skip', misfire: 'all' });
    ctx.clock.advance(4 * MINUTE);
    const fires = await fireDue(ctx.store);
    expect(fires.length).toBeGreaterThanOrEqual(3);
    expect(fires.map((f) => f.skipped)).toEqual([null, ...fires.slice(1).map(() => 'overlap')]);
  });

  it('fires now by hand: a manual fire and a job, nextRunAt left alone, each run its own', async () => {
    const created = await create(ctx.store, { overlap: 'skip' });
    const first = await ctx.store.scheduleFireNow({ name: 'every-minute' });
    const second = await ctx.store.scheduleFireNow({ name: 'every-minute' });
    expect(first).toMatchObject({ scheduleId: created.id, manual: true, skipped: null, jobState: 'pending', jobId: expect.any(String) });
    expect(second!.jobId).not.toBe(first!.jobId);
    expect(second!.fireTime.getTime()).toBeGreaterThan(first!.fireTime.getTime());
    expect(await mustSchedule(ctx.store)).toMatchObject({ nextRunAt: created.nextRunAt, lastJobId: second!.jobId });
    expect(await ctx.store.scheduleFireNow({ name: 'ghost' })).toBeNull();
  });

  it('a manual fire never takes the place of a cadence fire at the same time', async () => {
    const created = await create(ctx.store);
    ctx.clock.advance(created.nextRunAt!.getTime() - ctx.clock.now().getTime());
    await ctx.store.scheduleFireNow({ name: 'every-minute' });
    const due = await ctx.store.scheduleFireDue({ limit: 1, plan: () => ({ fireTimes: [created.nextRunAt!], nextRunAt: null }) });
    expect(due).toMatchObject([{ manual: false, fireTime: created.nextRunAt }]);
  });

  it('history: newest first, with each job state now, limited', async () => {
    await create(ctx.store, { misfire: 'all' });
    ctx.clock.advance(3 * MINUTE);
    const fires = await fireDue(ctx.store);
    const running = await claimOne(ctx.store);
    await ctx.store.jobFinishMany({ finishes: [finishOf(running)] });
    const history = await ctx.store.scheduleHistory({ name: 'every-minute' });
    expect(history.map((f) => f.fireTime)).toEqual(fires.map((f) => f.fireTime).reverse());
    expect(history.find((f) => f.jobId === running.id)?.jobState).toBe('succeeded');
    expect(history.filter((f) => f.jobState === 'pending')).toHaveLength(fires.length - 1);
    expect(await ctx.store.scheduleHistory({ name: 'every-minute', limit: 1 })).toEqual([history[0]]);
    expect(await ctx.store.scheduleHistory({ name: 'ghost' })).toEqual([]);
  });

  it('deleting a schedule deletes its ledger but not its jobs', async () => {
    await create(ctx.store);
    const fire = await ctx.store.scheduleFireNow({ name: 'every-minute' });
    await ctx.store.scheduleDelete({ name: 'every-minute' });
    await create(ctx.store);
    expect(await ctx.store.scheduleHistory({ name: 'every-minute' })).toEqual([]);
    expect(await mustGet(ctx.store, fire!.jobId!)).toMatchObject({ state: 'pending' });
  });
}
