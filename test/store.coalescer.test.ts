/** Joining concurrent calls into one batch (store/coalescer.ts). */
import { describe, expect, it } from 'vitest';
import { Coalescer } from '../src/store/coalescer.js';

/** A writer that records its batches and answers each item doubled; items < 0 are refused. */
function writer(fail: (batch: readonly number[]) => unknown = (batch) => (batch.some((n) => n < 0) ? Object.assign(new Error('refused'), { refused: true }) : null)) {
  const batches: number[][] = [];
  const write = async (items: readonly number[]): Promise<number[]> => {
    batches.push([...items]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const err = fail(items);
    if (err) throw err;
    return items.map((n) => n * 2);
  };
  return { batches, write };
}
const refused = (err: unknown) => (err as { refused?: boolean }).refused === true;

describe('Coalescer', () => {
  it('sends a lone call at once, and joins the calls made meanwhile into one batch, answering each its own results', async () => {
    const { batches, write } = writer();
    const c = new Coalescer(write, 100, refused);
    const first = c.run([1]);
    expect(batches).toEqual([[1]]); // at once, not after a tick
    const rest = [c.run([2, 3]), c.run([4]), c.run([5, 6, 7])];
    expect(await first).toEqual([2]);
    expect(await Promise.all(rest)).toEqual([[4, 6], [8], [10, 12, 14]]);
    expect(batches).toEqual([[1], [2, 3, 4, 5, 6, 7]]);
  });

  it('puts at most maxItems in a joint batch; a larger call goes alone', async () => {
    const { batches, write } = writer();
    const c = new Coalescer(write, 3, refused);
    await Promise.all([c.run([0]), c.run([1, 2]), c.run([3]), c.run([4, 5, 6, 7]), c.run([8])]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5, 6, 7], [8]]);
  });

  it('retries a refused joint batch call by call: only the bad call fails, with its own error', async () => {
    const { batches, write } = writer();
    const c = new Coalescer(write, 100, refused);
    const first = c.run([1]);
    const [good, bad, alsoGood] = await Promise.allSettled([c.run([2]), c.run([-1]), c.run([3])]);
    await first;
    expect(good).toEqual({ status: 'fulfilled', value: [4] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
    expect(alsoGood).toEqual({ status: 'fulfilled', value: [6] });
    expect(batches).toEqual([[1], [2, -1, 3], [2], [-1], [3]]);
  });

  it('fails every call of a joint batch whose outcome is unknown, without writing any again', async () => {
    const { batches, write } = writer((batch) => (batch.length > 1 ? new Error('connection lost') : null));
    const c = new Coalescer(write, 100, refused);
    const first = c.run([1]);
    const results = await Promise.allSettled([c.run([2]), c.run([3])]);
    await first;
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(batches).toEqual([[1], [2, 3]]);
  });
});
