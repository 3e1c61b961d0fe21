/**
 * A transaction run with `retryDeadlock` (every advance of a workflow run) survives being
 * PostgreSQL's deadlock victim: two transactions lock two rows in opposite orders, one of
 * them is aborted (40P01), and the retried one commits its work once. Without the option the
 * victim's error reaches the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, type Queryable } from '../src/store/postgres/pool.js';
import { freshSchema, testUrl } from './support/postgres.js';

const schema = freshSchema('deadlock');
let db: Db;

beforeAll(async () => {
  db = createDb({ url: testUrl(), max: 4 });
  await db.rows({ text: `CREATE SCHEMA ${schema}` });
  await db.rows({ text: `CREATE TABLE ${schema}.t (id int PRIMARY KEY, n int NOT NULL)` });
});
afterAll(async () => {
  await db.rows({ text: `DROP SCHEMA ${schema} CASCADE` });
  await db.close();
});

/** Locks row `first`, waits until the other side holds its row, then updates row `second`. */
function crossing(first: number, second: number, held: { count: number }, runs: { count: number }) {
  return async (client: Queryable): Promise<void> => {
    runs.count++;
    await client.query(`UPDATE ${schema}.t SET n = n + 1 WHERE id = $1`, [first]);
    held.count++;
    while (held.count < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await client.query(`UPDATE ${schema}.t SET n = n + 1 WHERE id = $1`, [second]);
  };
}

async function reset(): Promise<void> {
  await db.rows({ text: `DELETE FROM ${schema}.t` });
  await db.rows({ text: `INSERT INTO ${schema}.t VALUES (1, 0), (2, 0)` });
}

describe('postgres transactions and deadlocks', () => {
  it('runs a retryDeadlock transaction again when it is the victim, and both commit once', async () => {
    await reset();
    const held = { count: 0 };
    const runs = [{ count: 0 }, { count: 0 }];
    await Promise.all([
      db.transaction(crossing(1, 2, held, runs[0]!), { retryDeadlock: true }),
      db.transaction(crossing(2, 1, held, runs[1]!), { retryDeadlock: true }),
    ]);
    // One side ran twice (it was the victim once); each side's two increments landed once.
    expect(runs.map((r) => r.count).sort()).toEqual([1, 2]);
    expect(await db.rows({ text: `SELECT id, n FROM ${schema}.t ORDER BY id` })).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
  });

  it('hands the deadlock to the caller without the option', async () => {
    await reset();
    const held = { count: 0 };
    const outcomes = await Promise.allSettled([
      db.transaction(crossing(1, 2, held, { count: 0 })),
      db.transaction(crossing(2, 1, held, { count: 0 })),
    ]);
    const failed = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(failed).toHaveLength(1);
    expect((failed[0]!.reason as { code?: string }).code).toBe('40P01');
  });
});
