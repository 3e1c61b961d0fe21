/**
 * Contract area: onJobsAvailable. Subscribers hear about inserts, retries and releases, also
 * through another store instance on the same database, and stop hearing once unsubscribed.
 *
 * A subscription may take a moment to be in place (LISTEN is asynchronous), so each test
 * first warms its subscription up: it inserts into a warm-up queue until that is heard.
 */
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/contract.js';
import { type ContractContext, claimOne, finishOf, insert, job, waitUntil } from './support.js';

const WARM_UP_QUEUE = 'contract-warm-up';

/** Subscribes `listener` and returns once a signal raised through `writer` reached it. */
async function subscribeReady(listener: Store, writer: Store): Promise<{ heard: string[]; unsubscribe: () => void }> {
  const heard: string[] = [];
  const unsubscribe = listener.onJobsAvailable((queue) => heard.push(queue));
  for (let tries = 0; !heard.includes(WARM_UP_QUEUE); tries++) {
    if (tries === 10) throw new Error('no signal reached the subscriber within 10 warm-up inserts');
    await insert(writer, job({ queue: WARM_UP_QUEUE }));
    await waitUntil(() => heard.includes(WARM_UP_QUEUE), 500).catch(() => undefined);
  }
  return { heard, unsubscribe };
}

export function notifyCases(ctx: ContractContext): void {
  it('signals the queue after an insert', async () => {
    const { heard, unsubscribe } = await subscribeReady(ctx.store, ctx.store);
    await insert(ctx.store, job({ queue: 'mail' }));
    await waitUntil(() => heard.includes('mail'), 3000, 'a signal for queue mail');
    unsubscribe();
  });

  it('signals other store instances on the same database', async () => {
    const [writer, listener] = await ctx.openShared(2);
    const { heard, unsubscribe } = await subscribeReady(listener!, writer!);
    await insert(writer!, job({ queue: 'reports' }));
    await waitUntil(() => heard.includes('reports'), 3000, 'a signal for queue reports');
    unsubscribe();
  });

  it('signals a retry and a release', async () => {
    const [failedId] = await insert(ctx.store, job({ queue: 'a', maxAttempts: 1 }));
    await insert(ctx.store, job({ queue: 'b' }));
    const first = await claimOne(ctx.store, { queues: ['a'] });
    await ctx.store.jobFinishMany({ finishes: [finishOf(first, { state: 'failed', outcome: 'failed', error: { message: 'x' } })] });
    const second = await claimOne(ctx.store, { queues: ['b'] });
    const { heard, unsubscribe } = await subscribeReady(ctx.store, ctx.store);
    await ctx.store.jobRetry({ id: failedId! });
    await ctx.store.jobFinishMany({ finishes: [finishOf(second, { state: 'pending', outcome: 'released' })] });
    await waitUntil(() => heard.includes('a') && heard.includes('b'), 3000, 'signals for queues a and b');
    unsubscribe();
  });

  it('stops signalling after unsubscribe', async () => {
    const [writer, listener] = await ctx.openShared(2);
    const gone = await subscribeReady(listener!, writer!);
    // A subscriber that stays: once it heard a signal, the one that left would have too.
    const control = await subscribeReady(listener!, writer!);
    gone.unsubscribe();
    await insert(listener!, job({ queue: 'after-own' }));
    await insert(writer!, job({ queue: 'after-other' }));
    await waitUntil(() => control.heard.includes('after-own') && control.heard.includes('after-other'), 3000, 'the remaining subscriber to hear both queues');
    control.unsubscribe();
    expect(gone.heard.filter((queue) => queue.startsWith('after'))).toEqual([]);
  });
}
