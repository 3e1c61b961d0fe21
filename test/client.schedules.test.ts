/**
 * `ordo.schedules` over both engines: specs resolved like enqueue (task options, payload
 * schema), timing and policy errors that name the field, add/update/get/list/remove,
 * pause/resume, `run` leaving the cadence alone, history, the overdue flag, schedules
 * declared in code synced without duplicates or unpausing, and `uniqueFor` at enqueue.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createOrdo, overdueReason, Schedules, syncCodeSchedules, type Ordo } from '../src/client/ordo.js';
import { ConflictError, NotFoundError, ValidationError } from '../src/core/errors.js';
import { defineTask } from '../src/tasks/define.js';
import { TaskRegistry } from '../src/tasks/registry.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';

const report = defineTask('report', { schema: z.object({ day: z.string() }), queue: 'reports', priority: 2, retry: { maxAttempts: 3 }, timeout: '1m' }, async () => 'ok');

afterAll(dropCreatedSchemas);

describe.each(engines)('schedules on $name', (engine) => {
  let ordo: Ordo;

  beforeEach(async () => {
    ordo = await createOrdo({ store: await freshStore(engine), tasks: [report] });
  });
  afterEach(async () => {
    await ordo.store.close();
  });

  it('adds a schedule with the job template resolved like enqueue, and previews its next 5 fires', async () => {
    const added = await ordo.schedules.add('daily', { task: 'report', payload: { day: 'today' }, cron: '0 9 * * *', tz: 'Europe/London' });
    expect(added).toMatchObject({
      name: 'daily',
      timing: { kind: 'cron', cron: '0 9 * * *', tz: 'Europe/London' },
      job: { task: 'report', queue: 'reports', priority: 2, maxAttempts: 3, timeoutMs: 60_000, payload: { day: 'today' } },
      misfire: 'once',
      misfireLimit: 100,
      overlap: 'allow',
      source: 'api',
      paused: false,
      overdue: false,
    });
    expect(added.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
    expect(added.nextFires).toHaveLength(5);
    expect(added.nextFires[0]).toEqual(added.nextRunAt);
    for (let i = 1; i < 5; i++) expect(added.nextFires[i]!.getTime() - added.nextFires[i - 1]!.getTime()).toBeGreaterThanOrEqual(23 * 3_600_000);
    await expect(ordo.schedules.add('daily', { task: 'report', payload: { day: 'x' }, every: '1m' })).rejects.toThrow(ConflictError);
  });

  it('refuses bad specs naming the field and what it accepts', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ task: 'other', cron: '61 * * * *' }, /^cron: /],
      [{ task: 'other', cron: '0 9 * * *', tz: 'Mars/Olympus' }, /^tz: /],
      [{ task: 'other', cron: '0 9 * * *', every: '1m' }, /exactly one of cron, every or at/],
      [{ task: 'other' }, /exactly one of cron, every or at/],
      [{ task: 'other', every: '1m', misfire: 'sometimes' }, /^misfire: expected one of skip, once, all, received string "sometimes"/],
      [{ task: 'other', every: '1m', overlap: 'never' }, /^overlap: expected one of allow, skip, queue/],
      [{ task: 'other', every: '1m', misfireLimit: 0 }, /^misfireLimit: expected a whole number from 1/],
      [{ task: 'report', every: '1m', payload: { day: 5 } }, /payload of task report.*day/],
      [{ task: 'bad name!', every: '1m' }, /^task: /],
      [{ task: 'other', at: '2020-01-01T00:00:00Z' }, /^at: expected a time in the future, received string "2020-01-01T00:00:00.000Z"/],
    ];
    for (const [spec, message] of cases) {
      const error = await ordo.schedules.add('s', spec as never).catch((err: unknown) => err);
      expect(error, JSON.stringify(spec)).toBeInstanceOf(ValidationError);
      expect((error as Error).message, JSON.stringify(spec)).toMatch(message);
    }
    await expect(ordo.schedules.add('no spaces allowed', { task: 'other', every: '1m' })).rejects.toThrow(/^name: /);
    expect(await ordo.schedules.list()).toEqual([]);
  });

  it('update merges a partial spec into the stored definition; a new timing moves nextRunAt', async () => {
    await ordo.schedules.add('s', { task: 'other', payload: { a: 1 }, cron: '0 9 * * *', queue: 'q1', misfire: 'all', misfireLimit: 7 });
    const zoned = await ordo.schedules.update('s', { tz: 'Asia/Tokyo' });
    expect(zoned).toMatchObject({ timing: { kind: 'cron', cron: '0 9 * * *', tz: 'Asia/Tokyo' }, job: { queue: 'q1', payload: { a: 1 } }, misfire: 'all', misfireLimit: 7 });
    expect(zoned.nextRunAt!.getUTCHours() * 60 + zoned.nextRunAt!.getUTCMinutes()).toBe(0);
    const every = await ordo.schedules.update('s', { every: '1h', overlap: 'skip' });
    expect(every).toMatchObject({ timing: { kind: 'every', everyMs: 3_600_000 }, overlap: 'skip', job: { queue: 'q1' } });
    expect(every.nextRunAt!.getTime() % 3_600_000).toBe(0);
    const retasked = await ordo.schedules.update('s', { task: 'report', payload: { day: 'mon' } });
    expect(retasked.job).toMatchObject({ task: 'report', queue: 'reports', priority: 2, payload: { day: 'mon' } });
    await expect(ordo.schedules.update('s', { cron: 'nope' })).rejects.toThrow(/^cron: /);
    await expect(ordo.schedules.update('missing', { tz: 'UTC' })).rejects.toThrow(NotFoundError);
  });

  it('get, list, pause, resume and remove; unknown names are NotFoundError', async () => {
    await ordo.schedules.add('b', { task: 'other', every: '30s' });
    await ordo.schedules.add('a', { task: 'other', at: '2099-01-01T00:00:00Z' });
    expect((await ordo.schedules.list()).map((s) => s.name)).toEqual(['a', 'b']);
    expect((await ordo.schedules.get('a')).nextFires).toEqual([new Date('2099-01-01T00:00:00Z')]);
    expect(await ordo.schedules.pause('b')).toMatchObject({ name: 'b', paused: true });
    expect((await ordo.schedules.get('b')).paused).toBe(true);
    expect(await ordo.schedules.resume('b')).toMatchObject({ paused: false });
    await ordo.schedules.remove('b');
    expect((await ordo.schedules.list()).map((s) => s.name)).toEqual(['a']);
    for (const call of [() => ordo.schedules.get('b'), () => ordo.schedules.remove('b'), () => ordo.schedules.pause('b'), () => ordo.schedules.run('b'), () => ordo.schedules.history('b')]) {
      await expect(call()).rejects.toThrow(NotFoundError);
    }
  });

  it('run fires once now, leaves nextRunAt as it was, and shows in history as manual', async () => {
    const before = await ordo.schedules.add('s', { task: 'report', payload: { day: 'x' }, cron: '0 0 1 1 *' });
    const fire = await ordo.schedules.run('s');
    expect(fire).toMatchObject({ schedule: 's', manual: true, skipped: null });
    const job = await ordo.job(fire.jobId!);
    expect(job).toMatchObject({ task: 'report', queue: 'reports', payload: { day: 'x' }, state: 'pending' });
    const after = await ordo.schedules.get('s');
    expect(after.nextRunAt).toEqual(before.nextRunAt);
    expect(after.lastJobId).toBe(fire.jobId);
    const history = await ordo.schedules.history('s', { limit: 5 });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ jobId: fire.jobId, manual: true, jobState: 'pending' });
    await expect(ordo.schedules.history('s', { limit: 0 })).rejects.toThrow(/^limit: /);
  });

  it('flags a schedule overdue when its next fire is past the grace, unless it is paused', async () => {
    await ordo.schedules.add('s', { task: 'other', every: '1m' });
    const later = new Schedules(ordo.store, ordo.tasks, () => new Date(Date.now() + 10 * 60_000));
    expect((await ordo.schedules.list())[0]!.overdue).toBe(false);
    expect((await later.list())[0]!.overdue).toBe(true);
    expect((await later.get('s')).overdue).toBe(true);
    await ordo.schedules.pause('s');
    expect((await later.list())[0]!.overdue).toBe(false);
  });

  it("flags a fire whose job has not started past the grace as overdue ('job waiting') until the job ends", async () => {
    await ordo.schedules.add('s', { task: 'other', cron: '@yearly' });
    const fire = await ordo.schedules.run('s');
    const later = new Schedules(ordo.store, ordo.tasks, () => new Date(Date.now() + 10 * 60_000));
    expect(await later.get('s')).toMatchObject({ overdue: true, overdueReason: 'job waiting' });
    expect((await ordo.schedules.get('s')).overdueReason).toBe(null);
    await ordo.cancel(fire.jobId!);
    expect(await later.get('s')).toMatchObject({ overdue: false, overdueReason: null, lastOutcome: 'cancelled' });
  });

  it('syncs schedules declared in code: once, definitions follow the code, a paused one stays paused', async () => {
    const v1 = defineTask('nightly', { schedule: { cron: '0 2 * * *', tz: 'America/New_York', payload: { full: true }, overlap: 'skip' } }, () => undefined);
    const named = defineTask('tick', { schedule: { every: '10s', name: 'tick-every-10s' } }, () => undefined);
    expect(await syncCodeSchedules(ordo, new TaskRegistry([v1, named]))).toEqual({ created: ['tick-every-10s', 'nightly'].sort(), updated: [], unchanged: [] });
    await ordo.schedules.pause('nightly');
    expect(await syncCodeSchedules(ordo.store, new TaskRegistry([v1, named]))).toEqual({ created: [], updated: [], unchanged: ['nightly', 'tick-every-10s'] });
    const v2 = defineTask('nightly', { schedule: { cron: '30 3 * * *', tz: 'America/New_York', payload: { full: true }, overlap: 'skip' } }, () => undefined);
    expect((await syncCodeSchedules(ordo, new TaskRegistry([v2, named]))).updated).toEqual(['nightly']);
    const list = await ordo.schedules.list();
    expect(list.map((s) => s.name)).toEqual(['nightly', 'tick-every-10s']);
    expect(list[0]).toMatchObject({ source: 'code', paused: true, overlap: 'skip', timing: { cron: '30 3 * * *' }, job: { task: 'nightly', payload: { full: true } } });
  });

  it('uniqueFor returns the first job for the key within the window, even after it finished', async () => {
    const first = await ordo.enqueue('other', {}, { uniqueKey: 'k', uniqueFor: '10m' });
    await ordo.cancel(first.id);
    expect(await ordo.enqueue('other', {}, { uniqueKey: 'k', uniqueFor: '10m' })).toEqual({ id: first.id, created: false });
    expect((await ordo.enqueue('other', {}, { uniqueKey: 'k' })).created).toBe(true);
    await expect(ordo.enqueue('other', {}, { uniqueFor: '10m' })).rejects.toThrow(/^uniqueFor: /);
    await expect(ordo.enqueue('other', {}, { uniqueKey: 'j', uniqueFor: 'soon' })).rejects.toThrow(/^uniqueFor: expected a duration/);
  });
});

describe('overdueReason', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const base = { paused: false, nextRunAt: ago(-60_000), lastFireAt: ago(60_000), lastOutcome: 'succeeded' as const };

  it('says why a schedule is late past the grace, and never for a paused one', () => {
    expect(overdueReason(base, now, 120_000)).toBe(null);
    expect(overdueReason({ ...base, nextRunAt: ago(120_001) }, now, 120_000)).toBe('not fired');
    expect(overdueReason({ ...base, nextRunAt: ago(119_000) }, now, 120_000)).toBe(null);
    expect(overdueReason({ ...base, lastOutcome: 'pending', lastFireAt: ago(180_000) }, now, 120_000)).toBe('job waiting');
    expect(overdueReason({ ...base, lastOutcome: 'pending', lastFireAt: ago(60_000) }, now, 120_000)).toBe(null);
    expect(overdueReason({ ...base, lastOutcome: 'running', lastFireAt: ago(600_000) }, now, 120_000)).toBe(null);
    expect(overdueReason({ ...base, lastOutcome: 'failed' }, now, 120_000)).toBe('job failed');
    expect(overdueReason({ ...base, nextRunAt: null, lastOutcome: 'succeeded' }, now, 120_000)).toBe(null);
    expect(overdueReason({ ...base, paused: true, nextRunAt: ago(600_000), lastOutcome: 'failed' }, now, 120_000)).toBe(null);
  });
});

describe('defineTask schedule option', () => {
  it('refuses a bad schedule at definition, naming the field', () => {
    expect(() => defineTask('t', { schedule: { cron: 'every day' } }, () => 1)).toThrow(/^defineTask\(t\)\.schedule\.cron: /);
    expect(() => defineTask('t', { schedule: { cron: '0 9 * * *', tz: 'Nowhere/City' } }, () => 1)).toThrow(/^defineTask\(t\)\.schedule\.tz: /);
    expect(() => defineTask('t', { schedule: { every: '1m', misfire: 'never' as never } }, () => 1)).toThrow(/^defineTask\(t\)\.schedule\.misfire: expected one of skip, once, all/);
    expect(() => defineTask('t', { schedule: 'daily' as never }, () => 1)).toThrow(/^defineTask\(t\)\.schedule: expected an object/);
    expect(() => defineTask('t', { schema: z.object({ day: z.string() }), schedule: { every: '1h' } }, () => 1)).toThrow(/^defineTask\(t\)\.schedule\.payload: expected a payload matching the task schema.*day/);
    expect(() => defineTask('t', { schema: z.object({ day: z.string() }), schedule: { every: '1h', payload: { day: 'mon' } } }, () => 1)).not.toThrow();
  });
});
