/**
 * Contract area: the audit log. Entries are appended with the store's time, listed newest
 * first with a cursor and an exact action filter, refused with the field named when
 * malformed, and deleted by jobPrune's retention like finished jobs.
 */
import { expect, it } from 'vitest';
import type { AuditEntry, Json } from '../../src/core/types.js';
import { type ContractContext, expectNear } from './support.js';

const DAY = 86_400_000;

export function auditCases(ctx: ContractContext): void {
  const append = (action: string, target = 'job 1', details: Json | null = null, actor = 'ops') => ctx.store.auditAppend({ entry: { actor, action, target, details } });

  it('appends an entry with an id and the store’s time, and gives it back as stored', async () => {
    const details = { filter: { queue: 'mail', state: ['failed'], payloadContains: { user: { id: 7 } } }, count: 120, dryRun: false, note: null };
    const entry = await append('jobs.bulk-retry', 'queue mail, failed', details, 'release-bot');
    expect(entry).toMatchObject({ actor: 'release-bot', action: 'jobs.bulk-retry', target: 'queue mail, failed', details });
    expect(entry.id).toMatch(/^[1-9][0-9]*$/);
    expectNear(entry.at, ctx.clock.now().getTime());
    expect(await ctx.store.auditList({ limit: 10 })).toEqual([entry]);
    const bare = await append('token.revoke', 'ci');
    expect(bare.details).toBeNull();
    const listed = await append('job.cancel', 'job 2', [1, 'two', { three: true }]);
    expect((await ctx.store.auditList({ limit: 1 }))[0]!.details).toEqual(listed.details);
  });

  it('lists newest first, continues after `before`, and keeps one action exactly', async () => {
    const made: AuditEntry[] = [];
    for (let i = 0; i < 7; i++) made.push(await append(i % 3 === 0 ? 'job.retry' : 'job.cancel', `job ${i}`));
    const newestFirst = [...made].reverse();
    expect(await ctx.store.auditList({ limit: 100 })).toEqual(newestFirst);
    const walked: AuditEntry[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await ctx.store.auditList({ limit: 3, ...(before ? { before } : {}) });
      if (page.length === 0) break;
      walked.push(...page);
      before = page.at(-1)!.id;
    }
    expect(walked).toEqual(newestFirst);
    expect(await ctx.store.auditList({ limit: 100, action: 'job.retry' })).toEqual(newestFirst.filter((e) => e.action === 'job.retry'));
    expect(await ctx.store.auditList({ limit: 1, action: 'job.retry', before: made[6]!.id })).toEqual([made[3]]);
    for (const action of ['job', 'JOB.RETRY', 'job.retry ', '%', `job.retry' OR '1'='1`, 'job.retry\u0000']) {
      expect(await ctx.store.auditList({ limit: 100, action }), action).toEqual([]);
    }
  });

  it('keeps texts and details as data: quotes, SQL, unicode; NUL in details becomes U+FFFD', async () => {
    const sql = `'; DROP TABLE audit_log; --`;
    const entry = await append(sql, `"${sql}"`, { [sql]: 'Zürich ✓', nul: 'a\u0000b' }, 'ünïcode');
    expect(entry).toMatchObject({ action: sql, target: `"${sql}"`, actor: 'ünïcode', details: { [sql]: 'Zürich ✓', nul: 'a\ufffdb' } });
    expect(await ctx.store.auditList({ limit: 10, action: sql })).toEqual([entry]);
  });

  it('refuses a malformed entry or listing, naming the field', async () => {
    const refusedEntries: [Record<string, unknown>, string][] = [
      [{ actor: '', action: 'a', target: 't', details: null }, 'entry.actor'],
      [{ actor: 'x'.repeat(201), action: 'a', target: 't', details: null }, 'entry.actor'],
      [{ actor: 'ops', action: 'a\u0000', target: 't', details: null }, 'entry.action'],
      [{ actor: 'ops', action: 7, target: 't', details: null }, 'entry.action'],
      [{ actor: 'ops', action: 'a', target: 't'.repeat(10_001), details: null }, 'entry.target'],
      [{ actor: 'ops', action: 'a', details: null }, 'entry.target'],
      [{ actor: 'ops', action: 'a', target: 't', details: { n: 1n } }, 'entry.details'],
    ];
    for (const [entry, field] of refusedEntries) {
      await expect(ctx.store.auditAppend({ entry: entry as Omit<AuditEntry, 'id' | 'at'> }), field).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
    expect(await ctx.store.auditList({ limit: 10 })).toEqual([]);
    const refusedLists: [Parameters<typeof ctx.store.auditList>[0], string][] = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 1001 }, 'limit'],
      [{ limit: 1.5 }, 'limit'],
      [{ limit: 10, before: 'abc' }, 'before'],
      [{ limit: 10, before: '0' }, 'before'],
      [{ limit: 10, before: '9223372036854775808' }, 'before'],
      [{ limit: 10, action: 5 as unknown as string }, 'action'],
    ];
    for (const [params, field] of refusedLists) {
      await expect(ctx.store.auditList(params), `${field} ${JSON.stringify(params)}`).rejects.toMatchObject({ code: 'invalid_argument', details: { field } });
    }
  });

  it('is pruned by jobPrune like finished jobs: older entries go, at most `limit` per call', async () => {
    for (const target of ['a', 'b', 'c']) await append('job.cancel', target);
    ctx.clock.advance(2 * DAY);
    const recent = await append('job.retry', 'd');
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toEqual({ jobs: 0, fires: 0, audit: 2, runs: 0, events: 0 });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toEqual({ jobs: 0, fires: 0, audit: 1, runs: 0, events: 0 });
    expect(await ctx.store.jobPrune({ olderThanMs: DAY, limit: 2 })).toEqual({ jobs: 0, fires: 0, audit: 0, runs: 0, events: 0 });
    expect(await ctx.store.auditList({ limit: 10 })).toEqual([recent]);
    // Ids are never handed out again, not even the newest one's after it was pruned, so a
    // cursor taken before a prune keeps its meaning.
    ctx.clock.advance(2 * DAY);
    expect(await ctx.store.jobPrune({ olderThanMs: DAY })).toEqual({ jobs: 0, fires: 0, audit: 1, runs: 0, events: 0 });
    const next = await append('job.retry', 'e');
    expect(Number(next.id)).toBeGreaterThan(Number(recent.id));
    expect(await ctx.store.auditList({ limit: 10, before: recent.id })).toEqual([]);
  });
}
