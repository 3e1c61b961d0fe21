/**
 * What the client adds for the dashboard, over both engines: deleting a job, bulk actions by
 * filter (a dry run counts exactly what the action then changes), the result search and JSON
 * containment filters, throughput buckets per window, timing previews checked as a schedule's
 * timing, and the audit log. Bad input is a ValidationError naming the field.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrdo, type Ordo } from '../src/client/ordo.js';
import { ConflictError, NotFoundError, ValidationError } from '../src/core/errors.js';
import type { JobState } from '../src/core/types.js';
import { endedJob } from './support/ended-job.js';
import { dropCreatedSchemas, engines, freshStore } from './support/engines.js';

afterAll(dropCreatedSchemas);

async function statesOf(ordo: Ordo, ids: readonly string[]): Promise<JobState[]> {
  return Promise.all(ids.map(async (id) => (await ordo.job(id)).state));
}

describe.each(engines)('client actions for the dashboard on $name', (engine) => {
  let ordo: Ordo;

  beforeEach(async () => {
    ordo = await createOrdo({ store: await freshStore(engine) });
  });
  afterEach(async () => {
    await ordo.close();
    await ordo.store.close();
  });

  it('deletes a job that is not running; a running one is a conflict, an unknown one not found', async () => {
    const { id: pending } = await ordo.enqueue('a.task', { n: 1 });
    const done = await endedJob(ordo, 'a.task', {}, { state: 'succeeded', result: { ok: true } });
    expect(await ordo.deleteJob(pending)).toEqual({ id: pending, deleted: true });
    expect(await ordo.deleteJob(done)).toEqual({ id: done, deleted: true });
    expect(await ordo.getJob(pending)).toBeNull();
    expect(await ordo.getJob(done)).toBeNull();

    const { id: running } = await ordo.enqueue('a.task', {}, { queue: 'busy' });
    await ordo.store.jobClaim({ workerId: 'w', queues: ['busy'], limit: 1, leaseMs: 30_000 });
    const conflict = await ordo.deleteJob(running).catch((err: unknown) => err);
    expect(conflict).toBeInstanceOf(ConflictError);
    expect((conflict as ConflictError).message).toBe(`job ${running} is running; cancel it first, then delete it once it has stopped`);
    expect((conflict as ConflictError).details).toEqual({ id: running, state: 'running' });
    expect((await ordo.job(running)).state).toBe('running');
    await expect(ordo.deleteJob(pending)).rejects.toThrow(NotFoundError);
    await expect(ordo.deleteJob('x')).rejects.toThrow(/^id: expected a job id/);
  });

  it('retries, cancels and deletes by filter; a dry run counts exactly what the action then changes', async () => {
    const failedGreet = [
      await endedJob(ordo, 'greet', { n: 1 }, { state: 'failed' }),
      await endedJob(ordo, 'greet', { n: 2 }, { state: 'failed' }),
      await endedJob(ordo, 'greet', { n: 3 }, { state: 'failed' }),
    ];
    const failedOther = await endedJob(ordo, 'other', {}, { state: 'failed' });
    const succeeded = await endedJob(ordo, 'greet', {}, { state: 'succeeded' });
    const filter = { state: ['failed' as const], task: 'greet' };
    expect(await ordo.bulk('retry', filter, { dryRun: true })).toEqual({ action: 'retry', count: 3, dryRun: true });
    expect(await statesOf(ordo, failedGreet)).toEqual(['failed', 'failed', 'failed']);
    expect(await ordo.bulk('retry', filter)).toEqual({ action: 'retry', count: 3, dryRun: false });
    expect(await statesOf(ordo, [...failedGreet, failedOther, succeeded])).toEqual(['pending', 'pending', 'pending', 'failed', 'succeeded']);

    const mail = (await ordo.enqueueMany([1, 2, 3].map((n) => ({ task: 'send', payload: { n }, options: { queue: 'mail' } })))).map((r) => r.id);
    const { id: elsewhere } = await ordo.enqueue('send', {}, { queue: 'other' });
    const preview = await ordo.bulk('cancel', { queue: 'mail' }, { dryRun: true });
    const done = await ordo.bulk('cancel', { queue: 'mail' });
    expect(preview.count).toBe(3);
    expect(done.count).toBe(preview.count);
    expect(await statesOf(ordo, [...mail, elsewhere])).toEqual(['cancelled', 'cancelled', 'cancelled', 'pending']);

    expect((await ordo.bulk('delete', { queue: 'mail' }, { dryRun: true })).count).toBe(3);
    expect((await ordo.bulk('delete', { queue: 'mail', payloadContains: { n: 2 } })).count).toBe(1);
    expect(await ordo.getJob(mail[1]!)).toBeNull();
    expect((await ordo.bulk('delete', { queue: 'mail' })).count).toBe(2);
    expect((await ordo.listJobs({ queue: 'mail' })).total).toBe(0);
  });

  it('refuses a bulk action without a filter, or with a bad action, filter or dry-run flag', async () => {
    const { id } = await ordo.enqueue('greet', {});
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => ordo.bulk('cancel', {}), /^filter: expected at least one condition .*: an empty filter would act on every job/],
      [() => ordo.bulk('cancel', { payloadText: '', payloadContains: {} }), /^filter: expected at least one condition/],
      [() => ordo.bulk('explode' as never, { task: 'greet' }), /^action: expected one of cancel, retry, delete, received string "explode"/],
      [() => ordo.bulk('cancel', null as never), /^filter: expected a job filter/],
      [() => ordo.bulk('cancel', { state: ['done' as never] }), /^state: expected one of pending/],
      [() => ordo.bulk('cancel', { task: 'greet' }, { dryRun: 'yes' as never }), /^dryRun: expected true or false/],
      [() => ordo.bulk('retry', { task: 'greet', payloadContains: [1] as never }), /^payloadContains: expected a JSON object/],
    ];
    for (const [call, message] of cases) {
      await expect(call()).rejects.toThrow(ValidationError);
      await expect(call()).rejects.toThrow(message);
    }
    expect((await ordo.job(id)).state).toBe('pending');
  });

  it('filters jobs by text in the result and by JSON the payload or result contains', async () => {
    const paid = await endedJob(ordo, 'charge', { customer: { id: 42, tier: 'gold' }, amount: 5 }, { state: 'succeeded', result: { receipt: 'R-Lisbon-1', status: 'paid' } });
    const refused = await endedJob(ordo, 'charge', { customer: { id: 7 }, amount: 5 }, { state: 'succeeded', result: { status: 'refused' } });
    const { id: waiting } = await ordo.enqueue('charge', { customer: { id: 42 } });
    const ids = async (filter: Parameters<Ordo['listJobs']>[0]) => (await ordo.listJobs(filter)).jobs.map((j) => j.id).sort();

    expect(await ids({ resultText: 'lisbon' })).toEqual([paid]);
    expect(await ids({ resultText: '' })).toEqual([paid, refused, waiting].sort());
    expect(await ids({ payloadContains: { customer: { id: 42 } } })).toEqual([paid, waiting].sort());
    expect(await ids({ payloadContains: { customer: { id: 42, tier: 'gold' }, amount: 5 } })).toEqual([paid]);
    expect(await ids({ payloadContains: { amount: '5' } })).toEqual([]);
    expect(await ids({ resultContains: { status: 'refused' } })).toEqual([refused]);
    expect(await ids({ payloadContains: {} })).toEqual([paid, refused, waiting].sort());

    const cases: [unknown, RegExp][] = [
      [{ payloadContains: [1, 2] }, /^payloadContains: expected a JSON object of at most 2000 characters/],
      [{ resultContains: 'status' }, /^resultContains: expected a JSON object/],
      [{ resultContains: { note: 'x'.repeat(2_000) } }, /^resultContains: expected a JSON object of at most 2000 characters, .*received string "2011 characters of JSON"/],
      [{ payloadContains: { a: 'nul\u0000' } }, /^payloadContains: expected JSON without NUL/],
      [{ resultText: 'x'.repeat(501) }, /^resultText: expected a non-empty string of at most 500 characters/],
      [{ payloadText: 'a\u0000b' }, /^payloadText: expected text without NUL/],
    ];
    for (const [filter, message] of cases) await expect(ordo.listJobs(filter as never)).rejects.toThrow(message);
  });

  it('counts finished jobs per bucket over the last hour, day and week', async () => {
    await endedJob(ordo, 'tick', {}, { state: 'succeeded', queue: 'metrics' });
    await endedJob(ordo, 'tick', {}, { state: 'succeeded', queue: 'metrics' });
    await endedJob(ordo, 'tick', {}, { state: 'failed', queue: 'other' });
    const { id } = await ordo.enqueue('tick', {}, { queue: 'metrics' });
    await ordo.cancel(id);

    for (const [window, bucketMs, count] of [['1h', 60_000, 60], ['24h', 900_000, 96], ['7d', 7_200_000, 84]] as const) {
      const { bucketMs: size, buckets } = await ordo.throughput({ window });
      expect(size, window).toBe(bucketMs);
      expect(buckets, window).toHaveLength(count);
      for (const [i, bucket] of buckets.entries()) {
        expect(bucket.at.getTime() % bucketMs, window).toBe(0);
        if (i > 0) expect(bucket.at.getTime() - buckets[i - 1]!.at.getTime(), window).toBe(bucketMs);
      }
      const last = buckets[buckets.length - 1]!;
      expect(last.at.getTime()).toBeLessThanOrEqual(Date.now());
      expect(last.at.getTime() + bucketMs).toBeGreaterThan(Date.now() - 5_000);
      const sum = (key: 'succeeded' | 'failed' | 'cancelled') => buckets.reduce((n, b) => n + b[key], 0);
      expect([sum('succeeded'), sum('failed'), sum('cancelled')], window).toEqual([2, 1, 1]);
    }
    const metrics = (await ordo.throughput({ queue: 'metrics' })).buckets;
    expect(metrics).toHaveLength(60);
    expect(metrics.reduce((n, b) => n + b.succeeded + b.failed + b.cancelled, 0)).toBe(3);
    await expect(ordo.throughput({ window: '1d' as never })).rejects.toThrow(/^window: expected one of 1h, 24h, 7d, received string "1d"/);
    await expect(ordo.throughput({ queue: 'has space' })).rejects.toThrow(/^queue: /);
  });

  it('previews the next fires of a timing in its zone, refusing a bad one as a schedule would', async () => {
    const fires = await ordo.previewTiming({ cron: '30 9 * * *', tz: 'Europe/Paris' });
    expect(fires).toHaveLength(5);
    for (const [i, fire] of fires.entries()) {
      expect(fire.getTime()).toBeGreaterThan(Date.now());
      expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(fire)).toBe('09:30');
      if (i > 0) expect(fire.getTime()).toBeGreaterThan(fires[i - 1]!.getTime());
    }
    const hourly = await ordo.previewTiming({ every: '1h', count: 3 });
    expect(hourly.map((d) => d.getTime() % 3_600_000)).toEqual([0, 0, 0]);
    expect(hourly[1]!.getTime() - hourly[0]!.getTime()).toBe(3_600_000);
    const at = new Date(Date.now() + 86_400_000);
    expect(await ordo.previewTiming({ at })).toEqual([at]);
    // The same fires the saved schedule previews.
    const saved = await ordo.schedules.add('paris', { task: 't', cron: '30 9 * * *', tz: 'Europe/Paris' });
    expect(saved.nextFires).toEqual(fires);

    const cases: [unknown, RegExp][] = [
      [{ cron: 'every day' }, /^cron: /],
      [{ cron: '0 9 * * *', tz: 'Mars/Olympus' }, /^tz: /],
      [{ every: '10' }, /^every: expected a duration with a unit/],
      [{ at: 'tomorrow' }, /^at: expected an ISO 8601 time/],
      [{ at: new Date(Date.now() - 1000) }, /^at: expected a time in the future/],
      [{}, /^cron: expected exactly one of cron, every or at, received nothing/],
      [{ cron: '0 9 * * *', every: '1h' }, /^cron: expected exactly one of cron, every or at/],
      [{ every: '1h', count: 0 }, /^count: expected a whole number from 1 to 50/],
      [{ every: '1h', count: 51 }, /^count: expected a whole number from 1 to 50/],
      [null, /^timing: expected an object/],
    ];
    for (const [spec, message] of cases) {
      await expect(ordo.previewTiming(spec as never)).rejects.toThrow(ValidationError);
      await expect(ordo.previewTiming(spec as never)).rejects.toThrow(message);
    }
  });

  it('records to the audit log and lists it newest first, by action, with a cursor', async () => {
    const first = await ordo.audit.record({ actor: 'ci', action: 'job.retry', target: '42', details: null });
    expect(first).toEqual({ id: expect.any(String), at: expect.any(Date), actor: 'ci', action: 'job.retry', target: '42', details: null });
    await ordo.audit.record({ actor: 'ops', action: 'queue.clean', target: 'mail', details: { deleted: 3 } });
    await ordo.audit.record({ actor: 'ci', action: 'job.retry', target: '43', details: { note: 'again' } });

    const all = await ordo.audit.list();
    expect(all.entries.map((e) => e.target)).toEqual(['43', 'mail', '42']);
    expect(all.nextCursor).toBeNull();
    expect(all.entries[1]!.details).toEqual({ deleted: 3 });
    const page = await ordo.audit.list({ limit: 2 });
    expect(page.entries.map((e) => e.target)).toEqual(['43', 'mail']);
    expect(page.nextCursor).toBe(page.entries[1]!.id);
    const rest = await ordo.audit.list({ limit: 2, cursor: page.nextCursor! });
    expect(rest).toEqual({ entries: [all.entries[2]], nextCursor: null });
    expect((await ordo.audit.list({ action: 'job.retry' })).entries.map((e) => e.target)).toEqual(['43', '42']);
    expect((await ordo.audit.list({ action: 'job' })).entries).toEqual([]);

    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => ordo.audit.list({ cursor: 'abc' }), /^cursor: expected the nextCursor of an earlier page of the audit log/],
      [() => ordo.audit.list({ limit: 0 }), /^limit: expected a whole number from 1 to 1000/],
      [() => ordo.audit.list({ action: '' }), /^action: expected a text of 1 to 100 characters/],
      [() => ordo.audit.record({ actor: '', action: 'job.retry', target: '1', details: null }), /^actor: expected a text of 1 to 200 characters/],
      [() => ordo.audit.record({ actor: 'ci', action: 'job\nretry', target: '1', details: null }), /^action: expected a text of 1 to 100 characters without control characters/],
      [() => ordo.audit.record({ actor: 'ci', action: 'job.retry', target: '1', details: { big: 'x'.repeat(20_000) } }), /^details: expected JSON of at most 20000 characters/],
    ];
    for (const [call, message] of cases) {
      await expect(call()).rejects.toThrow(ValidationError);
      await expect(call()).rejects.toThrow(message);
    }
    expect((await ordo.audit.list()).entries).toHaveLength(3);
  });
});
