/**
 * Contract area: leaderElect and leaderResign. Holders are in separate store instances, as
 * separate processes would be, so the suite holds for a lease row and for a session lock.
 * The term a leader gets increases every time leadership changes hands, never goes back.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './support.js';

const TTL_MS = 150;
const LEADS = { term: expect.any(Number) };

export function leaderCases(ctx: ContractContext): void {
  it('gives a role to one holder at a time, and keeps it while renewed', async () => {
    const [a, b] = await ctx.openShared(2);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toEqual(LEADS);
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toBeNull();
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toEqual(LEADS);
    expect(await b!.leaderElect({ name: 'pruner', holderId: 'b', ttlMs: 10_000 })).toEqual(LEADS);
  });

  it('hands the role over once the leader resigns', async () => {
    const [a, b] = await ctx.openShared(2);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toEqual(LEADS);
    await b!.leaderResign({ name: 'scheduler', holderId: 'b' }); // not the holder: no effect
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toBeNull();
    await a!.leaderResign({ name: 'scheduler', holderId: 'a' });
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toEqual(LEADS);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toBeNull();
  });

  it('keeps the term while renewed and increases it on every change of hands', async () => {
    const [a, b] = await ctx.openShared(2);
    const elect = (store: typeof a, holderId: string) => store!.leaderElect({ name: 'scheduler', holderId, ttlMs: 10_000 });
    const first = (await elect(a, 'a'))!.term;
    expect(await elect(a, 'a')).toEqual({ term: first });
    await a!.leaderResign({ name: 'scheduler', holderId: 'a' });
    const second = (await elect(b, 'b'))!.term;
    expect(second).toBeGreaterThan(first);
    await b!.leaderResign({ name: 'scheduler', holderId: 'b' });
    // The same holder taking the role again after giving it up is a new term too.
    const third = (await elect(b, 'b'))!.term;
    expect(third).toBeGreaterThan(second);
    // Terms are per role.
    expect(await b!.leaderElect({ name: 'pruner', holderId: 'b', ttlMs: 10_000 })).toEqual({ term: 1 });
  });

  it('fails over after the ttl when the leader is gone, with a new term', async () => {
    const [a, b] = await ctx.openShared(2);
    const first = await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: TTL_MS });
    expect(first).toEqual(LEADS);
    await a!.close();
    ctx.clock.advance(TTL_MS + 100);
    const next = await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: TTL_MS });
    expect(next!.term).toBeGreaterThan(first!.term);
  });
}
