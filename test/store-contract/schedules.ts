/**
 * Contract area: schedule definitions. scheduleUpsert in its three modes (create, update,
 * sync) with their conflicts, get/list/delete, pause and resume, scheduleNextDueIn, and the
 * "schedules changed" signal (across store instances where the engine notifies across
 * processes). Fires and the ledger are in schedule-fires.ts.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, everyNext, expectNear, schedule, waitUntil } from './support.js';

const MINUTE = 60_000;

/** The interval of an `every` timing (a minute for other kinds): what `next` steps by. */
function intervalOf(overrides: Parameters<typeof schedule>[0]): number {
  const timing = overrides?.timing;
  return timing?.kind === 'every' ? timing.everyMs : MINUTE;
}

/** Creates `every-minute` (or the given schedule) with next = the next whole minute. */
async function create(store: Store, overrides: Parameters<typeof schedule>[0] = {}) {
  return store.scheduleUpsert({ schedule: schedule(overrides), mode: 'create', next: everyNext(intervalOf(overrides)) });
}

export function schedulesCases(ctx: ContractContext): void {
  it('creates a schedule and reads it back by name', async () => {
    const before = ctx.clock.now().getTime();
    const { record, created, changed } = await create(ctx.store, { job: { ...schedule().job, payload: { b: 1, a: [1, 'x'] }, timeoutMs: 5000 } });
    expect({ created, changed }).toEqual({ created: true, changed: true });
    expect(record).toEqual({
      ...schedule({ job: { ...schedule().job, payload: { b: 1, a: [1, 'x'] }, timeoutMs: 5000 } }),
      id: expect.stringMatching(/^[0-9]+$/),
      paused: false,
      nextRunAt: expect.any(Date),
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
      lastFireAt: null,
      lastJobId: null,
      lastOutcome: null,
    });
    expect(record.nextRunAt!.getTime() % MINUTE).toBe(0);
    expectNear(record.nextRunAt, before + MINUTE, MINUTE);
    expect(await ctx.store.scheduleGet({ name: 'every-minute' })).toEqual(record);
    expect(await ctx.store.scheduleGet({ name: 'nope' })).toBeNull();
  });

  it('round-trips cron and one-off timings', async () => {
    const at = new Date('2031-05-06T07:08:09.123Z');
    await create(ctx.store, { name: 'cron', timing: { kind: 'cron', cron: '0 9 * * 1-5', tz: 'Europe/London' } });
    await create(ctx.store, { name: 'once', timing: { kind: 'once', at, tz: 'UTC' } });
    expect((await ctx.store.scheduleGet({ name: 'cron' }))?.timing).toEqual({ kind: 'cron', cron: '0 9 * * 1-5', tz: 'Europe/London' });
    expect((await ctx.store.scheduleGet({ name: 'once' }))?.timing).toEqual({ kind: 'once', at, tz: 'UTC' });
  });

  it('lists schedules by name', async () => {
    for (const name of ['b', 'c', 'a']) await create(ctx.store, { name });
    expect((await ctx.store.scheduleList()).map((s) => s.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to create a name that exists, and to update one that does not', async () => {
    await create(ctx.store);
    await expect(create(ctx.store)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('every-minute') });
    const update = ctx.store.scheduleUpsert({ schedule: schedule({ name: 'ghost' }), mode: 'update', next: everyNext(MINUTE) });
    await expect(update).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('ghost') });
    expect(await ctx.store.scheduleGet({ name: 'ghost' })).toBeNull();
  });

  it('update replaces the definition and keeps nextRunAt while the timing is the same', async () => {
    const { record: first } = await create(ctx.store);
    const next = () => new Date(0); // would show if it were called
    const { record, created, changed } = await ctx.store.scheduleUpsert({
      schedule: schedule({ job: { ...schedule().job, queue: 'reports', priority: 5 }, overlap: 'skip' }),
      mode: 'update',
      next,
    });
    expect({ created, changed }).toEqual({ created: false, changed: true });
    expect(record).toMatchObject({ id: first.id, overlap: 'skip', job: { queue: 'reports', priority: 5 }, nextRunAt: first.nextRunAt });
  });

  it('update recomputes nextRunAt when the timing changes, by the store clock', async () => {
    await create(ctx.store);
    ctx.clock.advance(3 * 3_600_000);
    const seen: Date[] = [];
    const { record } = await ctx.store.scheduleUpsert({
      schedule: schedule({ timing: { kind: 'every', everyMs: 3_600_000, tz: 'UTC' } }),
      mode: 'update',
      next: (now) => {
        seen.push(now);
        return everyNext(3_600_000)(now);
      },
    });
    expect(seen).toHaveLength(1);
    expectNear(seen[0], ctx.clock.now().getTime());
    expect(record.nextRunAt).toEqual(everyNext(3_600_000)(seen[0]!));
  });

  it('sync creates when absent, writes nothing when the same, updates when different', async () => {
    const sync = (overrides: Parameters<typeof schedule>[0]) =>
      ctx.store.scheduleUpsert({ schedule: schedule({ source: 'code', ...overrides }), mode: 'sync', next: everyNext(MINUTE) });
    const first = await sync({ job: { ...schedule().job, payload: { a: 1, b: { c: 2, d: 3 } } } });
    expect(first).toMatchObject({ created: true, changed: true });
    // The same definition, its payload keys in another order: nothing to write.
    const same = await sync({ job: { ...schedule().job, payload: { b: { d: 3, c: 2 }, a: 1 } } });
    expect(same).toMatchObject({ created: false, changed: false, record: { updatedAt: first.record.updatedAt } });
    const changed = await sync({ job: { ...schedule().job, payload: { a: 2 } } });
    expect(changed).toMatchObject({ created: false, changed: true, record: { job: { payload: { a: 2 } }, nextRunAt: first.record.nextRunAt } });
  });

  it('sync never touches paused', async () => {
    await create(ctx.store);
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: true });
    const { record } = await ctx.store.scheduleUpsert({ schedule: schedule({ misfire: 'skip' }), mode: 'sync', next: everyNext(MINUTE) });
    expect(record).toMatchObject({ paused: true, misfire: 'skip' });
  });

  it('many stores syncing the same schedule at once create it once', async () => {
    const stores = await ctx.openShared(4);
    const results = await Promise.all(
      stores.map((store) => store.scheduleUpsert({ schedule: schedule({ source: 'code' }), mode: 'sync', next: everyNext(MINUTE) })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
    expect(await stores[0]!.scheduleList()).toHaveLength(1);
  });

  it('pauses and resumes; null for a schedule that does not exist', async () => {
    const { record } = await create(ctx.store);
    expect(await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: true })).toMatchObject({ paused: true, nextRunAt: record.nextRunAt });
    expect(await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: false })).toMatchObject({ paused: false, nextRunAt: record.nextRunAt });
    expect(await ctx.store.scheduleSetPaused({ name: 'ghost', paused: true })).toBeNull();
  });

  it('deletes a schedule; deleting again says there was none', async () => {
    await create(ctx.store);
    expect(await ctx.store.scheduleDelete({ name: 'every-minute' })).toBe(true);
    expect(await ctx.store.scheduleGet({ name: 'every-minute' })).toBeNull();
    expect(await ctx.store.scheduleDelete({ name: 'every-minute' })).toBe(false);
  });

  it('says how long until the earliest unpaused schedule is due', async () => {
    expect(await ctx.store.scheduleNextDueIn()).toBeNull();
    const { record } = await create(ctx.store);
    const { record: hourly } = await create(ctx.store, { name: 'paused-hourly', timing: { kind: 'every', everyMs: 3_600_000, tz: 'UTC' } });
    const waitMs = await ctx.store.scheduleNextDueIn();
    expect(waitMs).not.toBeNull();
    expect(Math.abs(waitMs! - (record.nextRunAt!.getTime() - ctx.clock.now().getTime()))).toBeLessThan(1000);
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: true });
    // The hourly one is due at the next whole hour (which may be seconds away, not a minute).
    const hourlyWaitMs = await ctx.store.scheduleNextDueIn();
    expect(Math.abs(hourlyWaitMs! - (hourly.nextRunAt!.getTime() - ctx.clock.now().getTime()))).toBeLessThan(1000);
    await ctx.store.scheduleSetPaused({ name: 'paused-hourly', paused: true });
    expect(await ctx.store.scheduleNextDueIn()).toBeNull();
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: false });
    ctx.clock.advance(2 * MINUTE);
    expect(await ctx.store.scheduleNextDueIn()).toBe(0);
  });

  it('signals schedule changes: create, update, pause, resume, delete; not a sync without change', async () => {
    let heard = 0;
    const unsubscribe = ctx.store.onSchedulesChanged(() => heard++);
    await create(ctx.store);
    await waitUntil(() => heard >= 1, 3000, 'a signal after create');
    await ctx.store.scheduleUpsert({ schedule: schedule(), mode: 'sync', next: everyNext(MINUTE) });
    await ctx.store.scheduleSetPaused({ name: 'every-minute', paused: true });
    await waitUntil(() => heard >= 2, 3000, 'a signal after pause');
    const afterPause = heard;
    await ctx.store.scheduleDelete({ name: 'every-minute' });
    await waitUntil(() => heard > afterPause, 3000, 'a signal after delete');
    unsubscribe();
  });

  it('signals schedule changes to other store instances where notifications cross processes', async () => {
    const [writer, listener] = await ctx.openShared(2);
    if (!writer!.capabilities.crossProcessNotify) return; // SQLite: in-process only (the scheduler polls)
    let heard = 0;
    const unsubscribe = listener!.onSchedulesChanged(() => heard++);
    // Once its LISTEN is in place, a subscriber is woken once (changes it may have missed).
    await waitUntil(() => heard > 0, 5000, 'the wake-up of a new subscription');
    const before = heard;
    await create(writer!);
    await waitUntil(() => heard > before, 3000, 'a signal from the other store');
    unsubscribe();
  });
}
