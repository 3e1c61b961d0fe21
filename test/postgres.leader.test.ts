/**
 * Leader election on PostgreSQL: a session advisory lock, so leadership moves as soon as the
 * holder's connection is gone (no ttl to wait out), the old holder learns it lost, and an
 * elect that gets stuck counts as not leader instead of stalling its caller.
 */
import pgDriver from 'pg';
import { describe, expect, it } from 'vitest';
import { freshSchema, terminateSessions, testUrl, usePostgres } from './support/postgres.js';
import { waitUntil } from './support/wait.js';

const HOLDER_LOCK = `pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`;

describe('postgres leader election', () => {
  const pg = usePostgres();
  const elect = { name: 'scheduler', ttlMs: 60_000 };

  it('fails over at once when the holder connection is cut, and the old holder knows', async () => {
    const schema = freshSchema('ldr');
    const a = await pg.open({ schema, applicationName: 'ordo-test-leader-a' });
    const b = await pg.open({ schema });
    const first = await a.leaderElect({ ...elect, holderId: 'a' });
    expect(first).toEqual({ term: expect.any(Number) });
    expect(await b.leaderElect({ ...elect, holderId: 'b' })).toBeNull();
    const holder = await pg.admin<{ holder: string; term: string }>(`SELECT holder, term FROM "${schema}".leaders WHERE name = 'scheduler'`);
    expect(holder).toEqual([{ holder: 'a', term: String(first!.term) }]);

    expect(await terminateSessions('ordo-test-leader-a', HOLDER_LOCK)).toBe(1);
    // No ttl to wait for: the lock died with the session, and the new holder has a new term.
    expect(await b.leaderElect({ ...elect, holderId: 'b' })).toEqual({ term: first!.term + 1 });
    expect(await a.leaderElect({ ...elect, holderId: 'a' }).catch(() => null)).toBeNull();
    expect(await a.leaderElect({ ...elect, holderId: 'a' })).toBeNull();
  });

  it('fails over when the holder store closes', async () => {
    const schema = freshSchema('ldr');
    const a = await pg.open({ schema });
    const b = await pg.open({ schema });
    expect(await a.leaderElect({ ...elect, holderId: 'a' })).toEqual({ term: expect.any(Number) });
    await a.close();
    expect(await b.leaderElect({ ...elect, holderId: 'b' })).toEqual({ term: expect.any(Number) });
  });

  it('keeps one connection per role and holder, and releases it on resign', async () => {
    const schema = freshSchema('ldr');
    const a = await pg.open({ schema, applicationName: 'ordo-test-leader-count' });
    for (let i = 0; i < 5; i++) await a.leaderElect({ ...elect, holderId: 'a' });
    await a.leaderElect({ name: 'pruner', holderId: 'a', ttlMs: 1000 });
    const count = async (): Promise<number> =>
      (await pg.admin(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'ordo-test-leader-count' AND ${HOLDER_LOCK}`)).length;
    expect(await count()).toBe(2);
    await a.leaderResign({ name: 'scheduler', holderId: 'a' });
    await a.leaderResign({ name: 'pruner', holderId: 'a' });
    expect(await count()).toBe(0);
  });

  it('does not mix up two holders of one role in the same process', async () => {
    const schema = freshSchema('ldr');
    const store = await pg.open({ schema });
    expect(await store.leaderElect({ ...elect, holderId: 'one' })).toEqual({ term: expect.any(Number) });
    expect(await store.leaderElect({ ...elect, holderId: 'two' })).toBeNull();
    await store.leaderResign({ name: 'scheduler', holderId: 'one' });
    expect(await store.leaderElect({ ...elect, holderId: 'two' })).toEqual({ term: expect.any(Number) });
  });

  it('counts an elect that does not answer in time as not leader, and lets the lock go', async () => {
    const schema = freshSchema('ldr');
    // Elect statements time out after min(5 s, queryTimeoutMs).
    const a = await pg.open({ schema, applicationName: 'ordo-test-leader-slow', queryTimeoutMs: 1000 });
    const b = await pg.open({ schema });
    expect(await a.leaderElect({ ...elect, holderId: 'a' })).toEqual({ term: expect.any(Number) });
    // Holding the leaders row makes a's next elect wait on it.
    const blocker = new pgDriver.Client({ connectionString: testUrl() });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${schema}".leaders WHERE name = 'scheduler' FOR UPDATE`);
      const started = Date.now();
      expect(await a.leaderElect({ ...elect, holderId: 'a' })).toBeNull();
      expect(Date.now() - started).toBeLessThan(4000);
      const held = async (): Promise<number> =>
        (await pg.admin(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'ordo-test-leader-slow' AND ${HOLDER_LOCK}`)).length;
      await waitUntil(async () => (await held()) === 0, 5000, "the slow holder's advisory lock to be released");
    } finally {
      await blocker.end();
    }
    expect(await b.leaderElect({ ...elect, holderId: 'b' })).toEqual({ term: expect.any(Number) });
  });
});
