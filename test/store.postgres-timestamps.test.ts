/**
 * The store's own reading of `timestamptz`: every value becomes the same `Date` (or the same
 * infinity) as node-postgres' general parser makes of it, on generated text and on what a real
 * server writes in several session time zones; and the global `pg.types` stays untouched.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../src/store/postgres/pool.js';
import { parseIsoTimestamptz, storeTypes } from '../src/store/postgres/timestamps.js';
import { testUrl, usePostgres } from './support/postgres.js';

const TIMESTAMPTZ = 1184;
const general = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;
const ours = storeTypes.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => unknown;

/** A Date as its time value, anything else (an infinity, null) as itself: comparable with toEqual. */
const comparable = (value: unknown): unknown => (value instanceof Date ? ['date', value.getTime()] : value);

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A small deterministic random generator, so a failure names a value that can be replayed. */
function randomInts(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % below;
  };
}

/** Text in the form PostgreSQL writes with DateStyle ISO: fraction trimmed of trailing zeros, offset `±HH[:MM]`. */
function generated(count: number): string[] {
  const next = randomInts(13);
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    const year = 100 + next(9_900);
    const micros = next(4) === 0 ? 0 : next(1_000_000);
    const fraction = micros === 0 ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
    const offsetHours = next(15);
    const offsetMinutes = [0, 0, 30, 45][next(4)]!;
    const offset = `${next(2) === 0 ? '+' : '-'}${pad(offsetHours, 2)}${offsetMinutes ? `:${pad(offsetMinutes, 2)}` : ''}`;
    values.push(`${pad(year, 4)}-${pad(1 + next(12), 2)}-${pad(1 + next(28), 2)} ${pad(next(24), 2)}:${pad(next(60), 2)}:${pad(next(60), 2)}${fraction}${offset}`);
  }
  return values;
}

describe('timestamptz parsing of the store connections', () => {
  it('reads the fixed form into the same Date as the general parser, on many values', () => {
    const values = generated(20_000);
    for (const text of values) {
      expect(parseIsoTimestamptz(text), text).not.toBeNull();
      expect(comparable(ours(text)), text).toEqual(comparable(general(text)));
    }
    // Every millisecond of one second, with and without the digits past it.
    for (let ms = 0; ms < 1_000; ms++) {
      for (const text of [`2024-02-29 23:59:59.${pad(ms, 3)}+00`, `2024-02-29 23:59:59.${pad(ms, 3)}999-03:30`]) {
        expect(comparable(ours(text)), text).toEqual(comparable(general(text)));
      }
    }
  });

  it('leaves every other form to the general parser, with the same values', () => {
    const others = ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0099-12-31 23:59:59.5+00', '0001-01-01 00:00:00+00', '12345-01-01 00:00:00+00', '1900-01-01 00:00:00+00:19:32', '1901-01-01 00:00:00-04:56:02', '2024-01-01T00:00:00Z', '2024-01-01'];
    for (const text of others) {
      expect(parseIsoTimestamptz(text), text).toBeNull();
      expect(comparable(ours(text)), text).toEqual(comparable(general(text)));
    }
  });

  it('sets its parser per connection, leaving the global pg.types as it was', () => {
    expect(ours).not.toBe(general);
    expect(pg.types.getTypeParser(TIMESTAMPTZ, 'text')).toBe(general);
    // Every other type is read as node-postgres reads it.
    for (const oid of [20, 25, 114, 1082, 1114, 3802]) expect(storeTypes.getTypeParser(oid, 'text')).toBe(pg.types.getTypeParser(oid, 'text'));
  });

  describe('on a real server', () => {
    usePostgres();
    let store: pg.Client;
    let plain: pg.Client;

    beforeAll(async () => {
      store = new pg.Client(clientConfig({ url: testUrl() }));
      plain = new pg.Client({ connectionString: testUrl() });
      await Promise.all([store.connect(), plain.connect()]);
    });
    afterAll(async () => {
      await Promise.all([store.end(), plain.end()]);
    });

    it('reads what the server writes into the same values as a plain connection, in any session time zone', async () => {
      const sql = `SELECT v FROM unnest(ARRAY[
        '2024-05-01 12:34:56.789123+00', '2024-05-01 12:34:56+00', '1999-12-31 23:59:59.999999+00',
        '1900-06-01 00:00:00+00', '0050-06-01 00:00:00+00', '0044-03-15 12:00:00+00 BC', '9999-12-31 23:59:59.999+00',
        'infinity', '-infinity'
      ]::timestamptz[]) AS v`;
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Asia/Kathmandu', 'Pacific/Chatham']) {
        await Promise.all([store.query(`SET TIME ZONE '${zone}'`), plain.query(`SET TIME ZONE '${zone}'`)]);
        const [mine, theirs] = await Promise.all([store.query<{ v: unknown }>(sql), plain.query<{ v: unknown }>(sql)]);
        expect(mine.rows.map(({ v }) => comparable(v)), zone).toEqual(theirs.rows.map(({ v }) => comparable(v)));
        expect(mine.rows[0]!.v, zone).toEqual(new Date('2024-05-01T12:34:56.789Z'));
      }
    });
  });
});
