/**
 * The SQLite claim reads each claimed row back as an array of values in a fixed column order
 * (cheaper than an object per row) and maps it by position: a column out of place would hand
 * the worker a job with a field of another. Every column is set to a value of its own, and
 * the claimed record must equal the job read back afterwards, column by column.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { finishOf, job } from './support/jobs.js';

describe('sqlite: a claimed job maps every column', () => {
  const opened: Store[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<Store> {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-claimed-'));
    folders.push(dir);
    const store = createSqliteStore({ path: join(dir, 'ordo.db') });
    opened.push(store);
    await store.migrate();
    return store;
  }

  it('equals the job read back, on its first claim and after a failed attempt', async () => {
    const store = await open();
    const [inserted] = await store.jobInsertMany({
      jobs: [
        job({
          task: 'mail.send',
          queue: 'mail',
          payload: { to: 'a@example.com', n: 7 },
          priority: 3,
          maxAttempts: 5,
          timeoutMs: 1_234,
          backoffBaseMs: 5,
          backoffCapMs: 6,
          uniqueKey: 'u-1',
          traceId: 'trace-1',
          concurrencyKey: 'key-1',
        }),
      ],
    });
    const id = inserted!.id;

    const [first] = await store.jobClaim({ workerId: 'worker-a', queues: ['mail'], limit: 10, leaseMs: 60_000 });
    expect(first).toEqual(await store.jobGet({ id }));
    expect(first).toMatchObject({
      id,
      task: 'mail.send',
      queue: 'mail',
      payload: { to: 'a@example.com', n: 7 },
      state: 'running',
      priority: 3,
      attempt: 1,
      maxAttempts: 5,
      timeoutMs: 1_234,
      backoffBaseMs: 5,
      backoffCapMs: 6,
      uniqueKey: 'u-1',
      lockedBy: 'worker-a',
      traceId: 'trace-1',
      concurrencyKey: 'key-1',
      cancelRequested: false,
      result: null,
      lastError: null,
      attempts: [],
    });

    // A failed attempt fills result, last_error, finished_at and the attempts history.
    await store.jobFinishMany({
      finishes: [finishOf(first!, { state: 'pending', outcome: 'failed', error: { name: 'Error', message: 'boom' }, retryDelayMs: 0 })],
    });
    const [second] = await store.jobClaim({ workerId: 'worker-b', queues: ['mail'], limit: 10, leaseMs: 60_000 });
    expect(second).toEqual(await store.jobGet({ id }));
    expect(second).toMatchObject({ attempt: 2, lockedBy: 'worker-b', lastError: { message: 'boom' } });
    expect(second!.attempts).toHaveLength(1);
    expect(second!.finishedAt).toBeInstanceOf(Date);
  });
});
