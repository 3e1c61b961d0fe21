/**
 * Contract area: jobList's filters for the HTTP API and the dashboard: creation time (from
 * inclusive, to exclusive), text in the payload (plain text, case-insensitive, `%` `_` and
 * `\` taken literally, SQL in it harmless) and cursor paging with `page.before`, which walks
 * every row once while `total` keeps counting the whole filter.
 */
import { describe, expect, it } from 'vitest';
import type { JobFilter, Page } from '../../src/core/types.js';
import { type ContractContext, insert, job, mustGet } from './support.js';

const MINUTE = 60_000;

export function jobsListFiltersCases(ctx: ContractContext): void {
  const ids = async (filter: JobFilter, page: Page = {}): Promise<string[]> => (await ctx.store.jobList({ filter, page })).jobs.map((j) => j.id);

  describe('created from / to', () => {
    it('keeps jobs created at or after `createdFrom` and before `createdTo`', async () => {
      const [early] = await insert(ctx.store, job());
      ctx.clock.advance(10 * MINUTE);
      const [middle] = await insert(ctx.store, job());
      ctx.clock.advance(10 * MINUTE);
      const [late] = await insert(ctx.store, job());
      const at = (await mustGet(ctx.store, middle!)).createdAt.getTime();
      const ms = (offset: number) => new Date(at + offset);

      expect(await ids({ createdFrom: ms(0) })).toEqual([late, middle]);
      expect(await ids({ createdFrom: ms(1) })).toEqual([late]);
      expect(await ids({ createdTo: ms(0) })).toEqual([early]);
      expect(await ids({ createdTo: ms(1) })).toEqual([middle, early]);
      expect(await ids({ createdFrom: ms(0), createdTo: ms(1) })).toEqual([middle]);
      expect(await ids({ createdFrom: ms(1), createdTo: ms(0) })).toEqual([]);
      expect(await ids({ createdFrom: new Date(-8.64e15), createdTo: new Date(8.64e15) })).toEqual([late, middle, early]);
    });

    it('refuses a time that is not a valid Date, naming the field', async () => {
      for (const [field, value] of [
        ['createdFrom', new Date(Number.NaN)],
        ['createdTo', '2030-01-01' as unknown as Date],
      ] as const) {
        await expect(ctx.store.jobList({ filter: { [field]: value } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: `filter.${field}` } });
      }
    });
  });

  describe('payloadText', () => {
    it('finds text anywhere in the JSON, keys and values, whatever the case of ASCII letters', async () => {
      const [alice, bob] = await insert(ctx.store, job({ payload: { email: 'Alice@Example.COM' } }), job({ payload: { to: ['bob@example.org'], n: 12345 } }));
      expect(await ids({ payloadText: 'alice@example.com' })).toEqual([alice]);
      expect(await ids({ payloadText: 'EXAMPLE' })).toEqual([bob, alice]);
      expect(await ids({ payloadText: 'email' })).toEqual([alice]);
      expect(await ids({ payloadText: '2345' })).toEqual([bob]);
      expect(await ids({ payloadText: 'carol' })).toEqual([]);
      expect(await ids({ payloadText: '' })).toEqual([bob, alice]);
    });

    it('takes % and _ as themselves, not as wildcards', async () => {
      const [percent, , underscore, letter] = await insert(
        ctx.store,
        job({ payload: { rate: '100%' } }),
        job({ payload: { rate: '1000' } }),
        job({ payload: { key: 'a_c' } }),
        job({ payload: { key: 'abc' } }),
      );
      expect(await ids({ payloadText: '100%' })).toEqual([percent]);
      expect(await ids({ payloadText: '%' })).toEqual([percent]);
      expect(await ids({ payloadText: 'a_c' })).toEqual([underscore]);
      expect(await ids({ payloadText: '_' })).toEqual([underscore]);
      expect(await ids({ payloadText: '10_0' })).toEqual([]);
      expect(await ids({ payloadText: 'abc' })).toEqual([letter]);
    });

    it('takes the escape character as itself', async () => {
      // JSON text: {"v":"50%"} and {"v":"5\\%"}: only the second holds a backslash.
      const [, escaped] = await insert(ctx.store, job({ payload: { v: '50%' } }), job({ payload: { v: '5\\%' } }));
      expect(await ids({ payloadText: '\\%' })).toEqual([escaped]);
      expect(await ids({ payloadText: '\\' })).toEqual([escaped]);
    });

    it('treats SQL in the text as text: it matches what contains it and runs nothing', async () => {
      const sql = `'; DROP TABLE jobs; --`;
      const [plain, holder] = await insert(ctx.store, job({ payload: { a: 1 } }), job({ payload: { note: sql } }));
      expect(await ids({ payloadText: sql })).toEqual([holder]);
      expect(await ids({ payloadText: `' OR '1'='1` })).toEqual([]);
      expect(await ids({ payloadText: `") OR true --` })).toEqual([]);
      expect(await ids({ task: `x' OR '1'='1`, queue: `"; DELETE FROM jobs; --` })).toEqual([]);
      expect((await ctx.store.jobList({})).jobs.map((j) => j.id)).toEqual([holder, plain]);
    });

    it('matches nothing with a NUL character (no JSON text holds one) and refuses text too long', async () => {
      await insert(ctx.store, job({ payload: { v: 'ab' } }));
      expect(await ids({ payloadText: 'a\u0000b' })).toEqual([]);
      expect(await ids({ payloadText: '\u0000' })).toEqual([]);
      expect(await ids({ queue: 'default\u0000' })).toEqual([]);
      await expect(ctx.store.jobList({ filter: { payloadText: 'x'.repeat(10_001) } })).rejects.toMatchObject({ details: { field: 'filter.payloadText' } });
      await expect(ctx.store.jobList({ filter: { payloadText: 7 as unknown as string } })).rejects.toMatchObject({ details: { field: 'filter.payloadText' } });
    });

    it('combines with the other filters', async () => {
      const [, wanted] = await insert(ctx.store, job({ queue: 'a', payload: { user: 'u1' } }), job({ queue: 'b', payload: { user: 'u1' } }), job({ queue: 'b', payload: { user: 'u2' } }));
      expect(await ids({ queue: 'b', payloadText: 'u1' })).toEqual([wanted]);
    });
  });

  describe('page.before', () => {
    it('walks every job once, newest first, while the total counts the whole filter', async () => {
      const inserted = await insert(ctx.store, ...Array.from({ length: 11 }, (_, i) => job({ queue: i % 3 === 0 ? 'other' : 'default' })));
      const wanted = inserted.filter((_, i) => i % 3 !== 0).reverse();
      const seen: string[] = [];
      let before: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const { jobs, total } = await ctx.store.jobList({ filter: { queue: 'default' }, page: { limit: 3, ...(before ? { before } : {}) } });
        expect(total).toBe(wanted.length);
        if (jobs.length === 0) break;
        seen.push(...jobs.map((j) => j.id));
        before = jobs.at(-1)!.id;
      }
      expect(seen).toEqual(wanted);
    });

    it('applies offset after the cursor, and an id above every job keeps them all', async () => {
      const inserted = await insert(ctx.store, ...Array.from({ length: 5 }, () => job()));
      const newestFirst = [...inserted].reverse();
      expect(await ids({}, { before: newestFirst[1]!, offset: 1, limit: 2 })).toEqual(newestFirst.slice(3, 5));
      expect(await ids({}, { before: '9223372036854775807' })).toEqual(newestFirst);
      expect(await ids({}, { before: '1' })).toEqual([]);
    });

    it('refuses a cursor that is not a job id, naming the field', async () => {
      for (const before of ['0', '-1', 'abc', '1.5', ' 1', '9223372036854775808', '12345678901234567890', 5 as unknown as string]) {
        await expect(ctx.store.jobList({ page: { before } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'page.before' } });
      }
    });
  });
}
