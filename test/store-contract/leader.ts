/**
 * Contract area: leaderElect and leaderResign. Holders are in separate store instances, as
 * separate processes would be, so the suite holds for a lease row and for a session lock.
 */
import { expect, it } from 'vitest';
import { type ContractContext, sleep } from './support.js';

const TTL_MS = 150;

export function leaderCases(ctx: ContractContext): void {
  it('gives a role to one holder at a time, and keeps it while renewed', async () => {
    const [a, b] = await ctx.openShared(2);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toBe(true);
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toBe(false);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toBe(true);
    expect(await b!.leaderElect({ name: 'pruner', holderId: 'b', ttlMs: 10_000 })).toBe(true);
  });

  it('hands the role over once the leader resigns', async () => {
    const [a, b] = await ctx.openShared(2);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toBe(true);
    await b!.leaderResign({ name: 'scheduler', holderId: 'b' }); // not the holder: no effect
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toBe(false);
    await a!.leaderResign({ name: 'scheduler', holderId: 'a' });
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: 10_000 })).toBe(true);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: 10_000 })).toBe(false);
  });

  it('fails over after the ttl when the leader is gone', async () => {
    const [a, b] = await ctx.openShared(2);
    expect(await a!.leaderElect({ name: 'scheduler', holderId: 'a', ttlMs: TTL_MS })).toBe(true);
    await a!.close();
    await sleep(TTL_MS + 100);
    expect(await b!.leaderElect({ name: 'scheduler', holderId: 'b', ttlMs: TTL_MS })).toBe(true);
  });
}
