/**
 * Flow control through the client, on both engines, on the database and over HTTP alike:
 * limits changed field by field (null removes one, what is left out stays), cleared, shown
 * in stats; a queue's flow (running, due, busiest keys, one key); why a job waits; a job's
 * concurrency key (given, or the task's), debounce and throttle at enqueue; and refusals that
 * name the field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OrdoClient } from '../src/client/api.js';
import { createOrdo } from '../src/client/ordo.js';
import { NotFoundError, ValidationError } from '../src/core/errors.js';
import { NO_LIMITS } from '../src/core/flow.js';
import type { Store } from '../src/store/contract.js';
import { defineTask } from '../src/tasks/define.js';
import { dropCreatedSchemas, engines } from './support/engines.js';
import { useServers } from './support/server.js';

afterAll(dropCreatedSchemas);

const sync = defineTask('sync', { schema: z.object({ customer: z.string() }), queue: 'sync', concurrencyKey: (p: { customer: string }) => `customer-${p.customer}` }, async () => null);
/** Tasks without options: the server refuses tasks it does not know. */
const plain = ['build', 'other', 'digest', 'ping'].map((name) => defineTask(name, async () => null));

/** The error a call fails with (fails the test when it does not fail). */
async function failure(call: Promise<unknown>): Promise<Error> {
  const err = await call.then(
    () => null,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('expected the call to fail');
  return err;
}

function fieldOf(err: Error): unknown {
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).details.field;
}

describe.each(engines)('flow control through the client on $name', (engine) => {
  const serve = useServers(engine);

  /** A client of each kind over one served store. */
  async function clients(): Promise<{ store: Store; local: OrdoClient; remote: OrdoClient }> {
    const api = await serve({ tasks: [sync, ...plain] });
    const remote = await createOrdo({ url: api.url, token: await api.token('admin') });
    return { store: api.store, local: api.ordo, remote };
  }

  for (const kind of ['local', 'remote'] as const) {
    describe(kind, () => {
      it('changes limits field by field, returns those in force, shows them in stats, and clears them', async () => {
        const { [kind]: ordo } = await clients();
        expect(await ordo.setQueueLimits('mail', { concurrency: 3, rate: '100/1m' })).toEqual({
          concurrency: 3,
          rate: { limit: 100, periodMs: 60_000, burst: 1 },
          keyConcurrency: null,
          keyRate: null,
          fair: false,
        });
        // A lone burst changes the rate in force; other fields stay.
        expect(await ordo.setQueueLimits('mail', { burst: 5 })).toMatchObject({ concurrency: 3, rate: { limit: 100, periodMs: 60_000, burst: 5 } });
        // A new rate keeps the burst in force; null removes one limit only.
        const changed = await ordo.setQueueLimits('mail', { rate: '20/s', concurrency: null, keyConcurrency: 1, keyRate: '10/1m', keyBurst: 2, fair: true });
        expect(changed).toEqual({ concurrency: null, rate: { limit: 20, periodMs: 1_000, burst: 5 }, keyConcurrency: 1, keyRate: { limit: 10, periodMs: 60_000, burst: 2 }, fair: true });
        const stats = (await ordo.stats()).find((s) => s.queue === 'mail');
        expect(stats).toMatchObject({ limits: changed, pausedUntil: null, pending: 0 });
        await ordo.clearQueueLimits('mail');
        expect((await ordo.stats()).find((s) => s.queue === 'mail')?.limits ?? NO_LIMITS).toEqual(NO_LIMITS);
        // Clearing a queue nobody knows (a typo) does not make it one.
        await ordo.clearQueueLimits('mial');
        expect((await ordo.stats()).map((s) => s.queue)).not.toContain('mial');
      });

      it('refuses bad limits naming the field, and changes nothing', async () => {
        const { [kind]: ordo } = await clients();
        await ordo.setQueueLimits('mail', { concurrency: 2 });
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { rate: '100 per minute' })))).toBe('rate');
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { concurrency: 0 })))).toBe('concurrency');
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { keyConcurrency: 1.5 })))).toBe('keyConcurrency');
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { keyBurst: 2 })))).toBe('keyBurst');
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { rate: '5000/1s' })))).toBe('rate');
        expect(fieldOf(await failure(ordo.setQueueLimits('mail', { concurency: 3 } as never)))).toBe('concurency');
        expect((await failure(ordo.setQueueLimits('mail', { rate: 'fast' }))).message).toMatch(/^rate: expected starts per period such as 100\/1m/);
        expect((await ordo.queueFlow('mail')).limits).toEqual({ ...NO_LIMITS, concurrency: 2 });
      });

      it("reads a queue's flow: running of its limit, due jobs, the busiest keys and one key; an unknown queue is not found", async () => {
        const { [kind]: ordo, store } = await clients();
        await ordo.setQueueLimits('sync', { concurrency: 2, keyConcurrency: 1 });
        for (const customer of ['a', 'a', 'a', 'b', 'b', 'c']) await ordo.enqueue('sync', { customer });
        const claimed = await store.jobClaim({ workerId: 'w', queues: ['sync'], limit: 10, leaseMs: 30_000 });
        // Two at most (the queue's limit), of two keys (one per key), keys in turns.
        expect(claimed.map((j) => j.concurrencyKey)).toEqual(['customer-a', 'customer-b']);
        const flow = await ordo.queueFlow('sync', { busiestKeys: 2, key: 'customer-a' });
        expect(flow).toMatchObject({ queue: 'sync', running: 2, due: 4, pausedUntil: null, nextStartAt: null, keyNextStartAt: null });
        expect(flow.limits).toMatchObject({ concurrency: 2, keyConcurrency: 1 });
        expect(flow.busiestKeys).toEqual([
          { key: 'customer-a', running: 1, pending: 2 },
          { key: 'customer-b', running: 1, pending: 1 },
        ]);
        expect(flow.key).toEqual({ key: 'customer-a', running: 1, pending: 2 });
        expect((await ordo.queueFlow('sync')).busiestKeys).toEqual([]);
        await expect(ordo.queueFlow('nothing-here')).rejects.toThrow(NotFoundError);
        expect(fieldOf(await failure(ordo.queueFlow('sync', { busiestKeys: -1 })))).toBe('busiestKeys');
      });

      it('says why a due job waits: the limit that holds it; null when none does', async () => {
        const { [kind]: ordo, store } = await clients();
        await ordo.setQueueLimits('reports', { concurrency: 1 });
        const first = await ordo.enqueue('build', {}, { queue: 'reports' });
        const second = await ordo.enqueue('build', {}, { queue: 'reports' });
        const free = await ordo.enqueue('build', {}, { queue: 'free' });
        expect(await ordo.waitReason(second.id)).toBeNull();
        await store.jobClaim({ workerId: 'w', queues: ['reports'], limit: 5, leaseMs: 30_000 });
        expect(await ordo.waitReason(second.id)).toBe('queue reports concurrency limit: 1 of 1 running');
        expect(await ordo.waitReason(first.id)).toBeNull();
        expect(await ordo.waitReason(free.id)).toBeNull();

        await ordo.setQueueLimits('keyed', { keyConcurrency: 1 });
        await ordo.enqueue('build', {}, { queue: 'keyed', concurrencyKey: 'k1' });
        const behind = await ordo.enqueue('build', {}, { queue: 'keyed', concurrencyKey: 'k1' });
        await store.jobClaim({ workerId: 'w', queues: ['keyed'], limit: 5, leaseMs: 30_000 });
        expect(await ordo.waitReason(behind.id)).toBe('key k1 concurrency limit: 1 of 1 running');
      });

      it("stores a job's concurrency key, given or the task's; debounce keeps the last payload, throttle the first job", async () => {
        const { [kind]: ordo } = await clients();
        const given = await ordo.enqueue('sync', { customer: 'x' }, { concurrencyKey: 'mine' });
        const derived = await ordo.enqueue('sync', { customer: 'x' });
        const none = await ordo.enqueue('other', {});
        expect((await ordo.job(given.id)).concurrencyKey).toBe('mine');
        expect((await ordo.job(derived.id)).concurrencyKey).toBe('customer-x');
        expect((await ordo.job(none.id)).concurrencyKey).toBeNull();

        const before = Date.now();
        const d1 = await ordo.enqueue('digest', { n: 1 }, { debounce: { key: 'digest-7', for: '10s' } });
        const d2 = await ordo.enqueue('digest', { n: 2 }, { debounce: { key: 'digest-7', for: 10_000 } });
        expect(d1.created).toBe(true);
        expect(d2).toEqual({ id: d1.id, created: false });
        const debounced = await ordo.job(d1.id);
        expect(debounced.payload).toEqual({ n: 2 });
        expect(debounced.runAt.getTime()).toBeGreaterThanOrEqual(before + 9_000);

        const t1 = await ordo.enqueue('ping', { n: 1 }, { throttle: { key: 'ping', for: '1m' } });
        const t2 = await ordo.enqueue('ping', { n: 2 }, { throttle: { key: 'ping', for: '1m' } });
        expect(t2).toEqual({ id: t1.id, created: false });
        expect((await ordo.job(t1.id)).payload).toEqual({ n: 1 });
        expect((await ordo.listJobs({ task: 'ping' })).total).toBe(1);
      });

      it('refuses enqueue options that clash or are malformed, naming both', async () => {
        const { [kind]: ordo } = await clients();
        const clash = await failure(ordo.enqueue('digest', {}, { debounce: { key: 'k', for: '5s' }, delay: '1m' }));
        expect(fieldOf(clash)).toBe('debounce');
        expect(clash.message).toMatch(/either debounce or delay, not both/);
        expect((await failure(ordo.enqueue('digest', {}, { debounce: { key: 'k', for: '5s' }, throttle: { key: 'k', for: '5s' } }))).message).toMatch(/either debounce or throttle/);
        expect((await failure(ordo.enqueue('ping', {}, { throttle: { key: 'k', for: '1m' }, uniqueKey: 'u' }))).message).toMatch(/^throttle: expected either throttle or uniqueKey/);
        expect(fieldOf(await failure(ordo.enqueue('digest', {}, { debounce: { key: 'k', for: 0 } })))).toBe('debounce.for');
        expect(fieldOf(await failure(ordo.enqueue('digest', {}, { debounce: { key: '', for: '5s' } })))).toBe('debounce.key');
        expect(fieldOf(await failure(ordo.enqueue('digest', {}, { concurrencyKey: 'a\nb' })))).toBe('concurrencyKey');
        expect(fieldOf(await failure(ordo.enqueue('digest', {}, { concurrencyKey: 'x'.repeat(201) })))).toBe('concurrencyKey');
        expect((await ordo.listJobs()).total).toBe(0);
      });
    });
  }
});
