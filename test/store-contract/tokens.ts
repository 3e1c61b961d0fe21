/**
 * Contract area: API tokens. Only hashes are stored; a token is created once per id, read
 * back by id (revoked ones too), listed oldest first, revoked once. Input that is not a
 * token (an unknown scope, a hash that is no SHA-256, text with NUL) is refused by field;
 * ids no token can have are simply not found.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { TokenScope } from '../../src/core/types.js';
import { type ContractContext, expectNear } from './support.js';

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const token = (id: string, scope: TokenScope = 'read', name: string | null = null) => ({ id, name, scope, hash: hashOf(`secret-${id}`) });

export function tokensCases(ctx: ContractContext): void {
  it('stores a token and reads it back by id, never revoked at first', async () => {
    const before = ctx.clock.now().getTime();
    const created = await ctx.store.tokenCreate(token('t1', 'admin', 'deploy bot'));
    expect(created).toEqual({ id: 't1', name: 'deploy bot', scope: 'admin', hash: hashOf('secret-t1'), createdAt: expect.any(Date), revokedAt: null });
    expectNear(created.createdAt, before);
    expect(await ctx.store.tokenGet({ id: 't1' })).toEqual(created);
    expect(await ctx.store.tokenGet({ id: 't2' })).toBeNull();
  });

  it('lists every token oldest first, revoked ones too', async () => {
    await ctx.store.tokenCreate(token('zeta', 'write'));
    ctx.clock.advance(1000);
    await ctx.store.tokenCreate(token('alpha', 'read', 'dashboard'));
    ctx.clock.advance(1000);
    await ctx.store.tokenCreate(token('mid', 'admin'));
    await ctx.store.tokenRevoke({ id: 'alpha' });
    const listed = await ctx.store.tokenList();
    expect(listed.map((t) => [t.id, t.scope, t.name, t.revokedAt !== null])).toEqual([
      ['zeta', 'write', null, false],
      ['alpha', 'read', 'dashboard', true],
      ['mid', 'admin', null, false],
    ]);
  });

  it('revokes once: the time is kept, a second revoke and an unknown id say false', async () => {
    await ctx.store.tokenCreate(token('t1'));
    ctx.clock.advance(5000);
    const before = ctx.clock.now().getTime();
    expect(await ctx.store.tokenRevoke({ id: 't1' })).toBe(true);
    const revoked = await ctx.store.tokenGet({ id: 't1' });
    expectNear(revoked!.revokedAt, before);
    ctx.clock.advance(5000);
    expect(await ctx.store.tokenRevoke({ id: 't1' })).toBe(false);
    expect((await ctx.store.tokenGet({ id: 't1' }))!.revokedAt).toEqual(revoked!.revokedAt);
    expect(await ctx.store.tokenRevoke({ id: 'nobody' })).toBe(false);
  });

  it('refuses a second token with the same id, keeping the first', async () => {
    const first = await ctx.store.tokenCreate(token('t1', 'read'));
    await expect(ctx.store.tokenCreate(token('t1', 'admin'))).rejects.toMatchObject({ code: 'conflict', details: { id: 't1' } });
    expect(await ctx.store.tokenList()).toEqual([first]);
  });

  it('refuses a token with an unknown scope, a hash that is no SHA-256, or text with NUL, naming the field', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['scope', { scope: 'root' }],
      ['hash', { hash: 'ordo_plain_token_by_mistake' }],
      ['hash', { hash: hashOf('x').toUpperCase() }],
      ['id', { id: '' }],
      ['id', { id: 'a'.repeat(201) }],
      ['id', { id: 'a\u0000b' }],
      ['name', { name: 'n\u0000' }],
      ['name', { name: 12 }],
    ];
    for (const [field, bad] of cases) {
      await expect(ctx.store.tokenCreate({ ...token('t1'), ...bad } as ReturnType<typeof token>), field).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
    expect(await ctx.store.tokenList()).toEqual([]);
  });

  it('finds nothing for ids no token can have, without an error', async () => {
    await ctx.store.tokenCreate(token('t1'));
    for (const id of ['', 't1\u0000', 'x'.repeat(10_000), `t1' OR '1'='1`]) {
      expect(await ctx.store.tokenGet({ id })).toBeNull();
      expect(await ctx.store.tokenRevoke({ id })).toBe(false);
    }
    expect((await ctx.store.tokenGet({ id: 't1' }))!.revokedAt).toBeNull();
  });
}
