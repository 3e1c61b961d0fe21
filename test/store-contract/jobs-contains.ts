/**
 * Contract area: jobList's JSON filters for the dashboard: `payloadContains` and
 * `resultContains` (PostgreSQL's jsonb containment, `@>`, on both engines: nested objects,
 * arrays matched element by element, scalars by type and value), `resultText`, and `id`.
 * Every expectation here is the same on both engines, so passing on both means the SQLite
 * engine's json_each walk answers as PostgreSQL's operator does. Keys and values are data,
 * never SQL.
 */
import { describe, expect, it } from 'vitest';
import type { JobFilter, Json, JsonObject } from '../../src/core/types.js';
import { type ContractContext, claimOne, finishOf, insert, job } from './support.js';

export function jobsContainsCases(ctx: ContractContext): void {
  const ids = async (filter: JobFilter): Promise<string[]> => (await ctx.store.jobList({ filter, page: { limit: 1000 } })).jobs.map((j) => j.id).sort(byNumber);

  /** Inserts one job per payload; returns their ids by name. */
  async function seed<K extends string>(payloads: Record<K, Json>): Promise<Record<K, string>> {
    const names = Object.keys(payloads) as K[];
    const created = await insert(ctx.store, ...names.map((name) => job({ payload: payloads[name] })));
    return Object.fromEntries(names.map((name, i) => [name, created[i]!])) as Record<K, string>;
  }

  describe('payloadContains', () => {
    const PAYLOADS = {
      a: { customer: { id: 42, tier: 'gold' }, items: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }], tags: ['x', 'y'], flag: true, none: null, n: 1.5 },
      b: { customer: { id: 42, tier: 'silver' }, items: [{ sku: 'a', qty: 1 }], tags: ['y'], flag: false, n: 1 },
      c: { customer: 42, items: 'a', tags: [['x', 'y']], n: '1' },
      list: ['customer', { customer: 42 }],
      text: 'customer',
      empty: {},
    };

    it('matches nested objects key by key, at any depth, extra keys allowed', async () => {
      const j = await seed(PAYLOADS);
      const cases: [JsonObject, string[]][] = [
        [{}, [j.a, j.b, j.c, j.empty]],
        [{ customer: { id: 42 } }, [j.a, j.b]],
        [{ customer: { id: 42, tier: 'gold' } }, [j.a]],
        [{ customer: { id: 42, tier: 'GOLD' } }, []],
        [{ customer: {} }, [j.a, j.b]],
        [{ customer: 42 }, [j.c]],
        [{ n: 1, customer: { id: 42 } }, [j.b]],
        [{ missing: null }, []],
        [{ none: null }, [j.a]],
      ];
      for (const [filter, expected] of cases) expect(await ids({ payloadContains: filter }), JSON.stringify(filter)).toEqual(expected);
    });

    it('matches arrays element by element, each within one element, in any order', async () => {
      const j = await seed(PAYLOADS);
      const cases: [JsonObject, string[]][] = [
        [{ items: [] }, [j.a, j.b]],
        [{ items: [{ sku: 'a' }] }, [j.a, j.b]],
        [{ items: [{ sku: 'a', qty: 2 }] }, [j.a]],
        // qty 1 and sku a are both in a's items, but not in one element.
        [{ items: [{ sku: 'a', qty: 1 }] }, [j.b]],
        [{ items: [{ sku: 'b' }, { sku: 'a' }] }, [j.a]],
        [{ tags: ['y'] }, [j.a, j.b]],
        [{ tags: ['y', 'x', 'y'] }, [j.a]],
        [{ tags: ['x', 'y'] }, [j.a]],
        [{ tags: [['y']] }, [j.c]],
        [{ tags: [['x', 'y', 'z']] }, []],
        [{ items: 'a' }, [j.c]],
      ];
      for (const [filter, expected] of cases) expect(await ids({ payloadContains: filter }), JSON.stringify(filter)).toEqual(expected);
    });

    it('compares scalars by JSON type and value: no scalar in an array below the top, no number as text', async () => {
      const j = await seed(PAYLOADS);
      const cases: [JsonObject, string[]][] = [
        [{ tags: 'x' }, []],
        [{ flag: true }, [j.a]],
        [{ flag: false }, [j.b]],
        [{ flag: 1 }, []],
        [{ n: 1.5 }, [j.a]],
        [{ n: 1 }, [j.b]],
        [{ n: '1' }, [j.c]],
        [{ n: null }, []],
        [{ none: false }, []],
      ];
      for (const [filter, expected] of cases) expect(await ids({ payloadContains: filter }), JSON.stringify(filter)).toEqual(expected);
    });

    it('takes any key and any text as data: quotes, dots, brackets, line breaks, unicode, SQL', async () => {
      const sql = `'; DROP TABLE jobs; --`;
      const j = await seed({
        odd: { 'a "quoted" key': 1, 'dot.ted': { '[0]': 'x' }, 'line\nbreak': 'w', '$.path': '@now', '?': 'Zürich ✓', '': 'empty key' },
        holder: { [sql]: sql, big: 1e21, neg: -0.25 },
        plain: { a: 1 },
      });
      const cases: [JsonObject, string[]][] = [
        [{ 'a "quoted" key': 1 }, [j.odd]],
        [{ 'dot.ted': { '[0]': 'x' } }, [j.odd]],
        [{ 'line\nbreak': 'w' }, [j.odd]],
        [{ '$.path': '@now' }, [j.odd]],
        [{ '?': 'Zürich ✓' }, [j.odd]],
        [{ '?': 'zürich ✓' }, []],
        [{ '': 'empty key' }, [j.odd]],
        [{ [sql]: sql }, [j.holder]],
        [{ big: 1e21, neg: -0.25 }, [j.holder]],
        [{ "a' OR '1'='1": 1 }, []],
        [{ a: `1) OR 1=1 --` }, []],
      ];
      for (const [filter, expected] of cases) expect(await ids({ payloadContains: filter }), JSON.stringify(filter)).toEqual(expected);
      expect((await ctx.store.jobList({})).total).toBe(3);
    });

    it('matches nothing with NUL in a key or a value (no stored JSON holds one)', async () => {
      await seed({ v: { v: 'ab' } });
      expect(await ids({ payloadContains: { v: 'a\u0000b' } })).toEqual([]);
      expect(await ids({ payloadContains: { 'v\u0000': 'ab' } })).toEqual([]);
      expect(await ids({ payloadContains: { v: ['\u0000'] } })).toEqual([]);
    });

    it('combines with the other filters, the total and the cursor', async () => {
      const created = await insert(ctx.store, ...Array.from({ length: 7 }, (_, i) => job({ queue: i < 5 ? 'q' : 'other', payload: { user: { id: i % 2 } } })));
      const wanted = [created[4]!, created[2]!, created[0]!];
      const first = await ctx.store.jobList({ filter: { queue: 'q', payloadContains: { user: { id: 0 } } }, page: { limit: 2 } });
      expect(first).toMatchObject({ total: 3 });
      const next = await ctx.store.jobList({ filter: { queue: 'q', payloadContains: { user: { id: 0 } } }, page: { limit: 2, before: first.jobs.at(-1)!.id } });
      expect([...first.jobs, ...next.jobs].map((j) => j.id)).toEqual(wanted);
    });

    it('accepts a filter at the limits: 100 values, nested 8 deep', async () => {
      const [holder] = await insert(ctx.store, job({ payload: { many: Array.from({ length: 99 }, (_, i) => i), a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } }));
      expect(await ids({ payloadContains: { many: Array.from({ length: 99 }, (_, i) => 98 - i) } })).toEqual([holder]);
      expect(await ids({ payloadContains: { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } } })).toEqual([holder]);
    });

    it('refuses what is not a JSON object both engines can run, naming the field', async () => {
      const deep: JsonObject = {};
      let node = deep;
      for (let i = 0; i < 9; i++) node = node.next = {};
      const refused: unknown[] = [
        ['a'], null, 'a', 7, new Date(0), { a: undefined }, { a: Number.NaN }, { a: Number.POSITIVE_INFINITY }, { a: () => 1 }, { a: 1n },
        { a: new Map() }, deep, { many: Array.from({ length: 101 }, (_, i) => i) },
      ];
      for (const value of refused) {
        for (const field of ['payloadContains', 'resultContains'] as const) {
          await expect(ctx.store.jobList({ filter: { [field]: value as JsonObject } }), String(value)).rejects.toMatchObject({ code: 'invalid_argument', details: { field: `filter.${field}` } });
        }
      }
    });
  });

  describe('resultContains and resultText', () => {
    /** Jobs finished with these results (undefined: no result), one pending job, in order. */
    async function finished(...results: (Json | undefined)[]): Promise<string[]> {
      const made: string[] = [];
      for (const result of results) {
        const [id] = await insert(ctx.store, job());
        await ctx.store.jobFinishMany({ finishes: [finishOf(await claimOne(ctx.store), result === undefined ? {} : { result })] });
        made.push(id!);
      }
      made.push((await insert(ctx.store, job({ payload: { ok: true, note: 'Sent' } })))[0]!);
      return made;
    }

    it('matches the result as payloadContains matches the payload; jobs without one never', async () => {
      // No result, a null one, an array holding the object, a pending job with it as its payload.
      const [okay, failed] = await finished({ ok: true, sent: [{ to: 'a@x' }] }, { ok: false }, undefined, null, [{ ok: true }]);
      expect(await ids({ resultContains: { ok: true } })).toEqual([okay]);
      expect(await ids({ resultContains: { sent: [{ to: 'a@x' }] } })).toEqual([okay]);
      expect(await ids({ resultContains: {} })).toEqual([okay, failed]);
    });

    it('finds text in the result, case-insensitive, as plain text; jobs without a result never', async () => {
      const [report, percent] = await finished({ message: 'Report SENT to Alice' }, { rate: '100%' }, undefined);
      expect(await ids({ resultText: 'sent to alice' })).toEqual([report]);
      expect(await ids({ resultText: '100%' })).toEqual([percent]);
      expect(await ids({ resultText: '%' })).toEqual([percent]);
      expect(await ids({ resultText: 'sent' })).toEqual([report]);
      expect(await ids({ resultText: 'a\u0000' })).toEqual([]);
      expect(await ids({ resultText: `' OR '1'='1` })).toEqual([]);
      expect(await ids({ resultText: '' })).toEqual([report, percent]);
      await expect(ctx.store.jobList({ filter: { resultText: 'x'.repeat(10_001) } })).rejects.toMatchObject({ details: { field: 'filter.resultText' } });
      await expect(ctx.store.jobList({ filter: { resultText: 1 as unknown as string } })).rejects.toMatchObject({ details: { field: 'filter.resultText' } });
    });
  });

  describe('id and state', () => {
    it('keeps exactly the job with the id, with the other filters applying too', async () => {
      const [first, second] = await insert(ctx.store, job(), job({ queue: 'other' }));
      expect(await ids({ id: second! })).toEqual([second]);
      expect(await ids({ id: second!, queue: 'default' })).toEqual([]);
      expect(await ids({ id: '9223372036854775807' })).toEqual([]);
      expect(await ids({ id: first!, state: [] })).toEqual([]);
    });

    it('refuses an id that is not a job id and a state that is not one, naming the field', async () => {
      for (const id of ['0', 'abc', '1.5', 7 as unknown as string]) {
        await expect(ctx.store.jobList({ filter: { id } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'filter.id' } });
      }
      for (const state of ['done', ['pending', 'nope'], 5] as unknown as JobFilter['state'][]) {
        await expect(ctx.store.jobList({ filter: { state } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'filter.state' } });
      }
    });
  });
}

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}
