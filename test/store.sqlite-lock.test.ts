/**
 * The SQLite engine while another OS process holds the database's write lock (a long write
 * transaction, a backup): better-sqlite3 is synchronous, so a store call waiting for the lock
 * must do its waiting between short tries, leaving the event loop free for heartbeats and
 * timers; an idle claim must not wait at all; and a lock held past the wait budget fails with
 * an error that names the file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { job } from './store-contract/support.js';
import { sqliteFixture } from './support/engines.js';

/** How long the other process holds the lock. */
const HOLD_MS = 1500;

describe('sqlite engine: another process holds the write lock', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((fn) => fn()));
  });

  async function open(options: { lockWaitMs?: number } = {}): Promise<{ store: Store; db: string }> {
    const { db } = await sqliteFixture.freshDatabase();
    const store = createSqliteStore({ path: db, ...options });
    cleanup.push(() => store.close());
    await store.migrate();
    return { store, db };
  }

  /** Takes the write lock from another process; resolves once it is held. */
  async function lockFromAnotherProcess(db: string, ms: number): Promise<void> {
    const script = join(import.meta.dirname, 'support', 'sqlite-locker.ts');
    const locker = spawn(process.execPath, ['--import', 'tsx', script, db, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(locker, 'exit');
    cleanup.push(() => exited);
    await once(locker.stdout, 'data');
  }

  /** Measures the longest stretch during which a 10 ms interval could not tick. */
  function watchEventLoop(): () => number {
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    return () => {
      clearInterval(timer);
      return Math.max(longest, performance.now() - last);
    };
  }

  it('waits for the lock without blocking the event loop, then succeeds', async () => {
    const { store, db } = await open();
    await lockFromAnotherProcess(db, HOLD_MS);
    const stopWatching = watchEventLoop();
    const started = Date.now();
    const [created] = await store.jobInsertMany({ jobs: [job()] });
    const waited = Date.now() - started;
    const longestStall = stopWatching();
    expect(waited).toBeGreaterThan(HOLD_MS / 2); // it did wait for the lock
    // A wait that blocked the loop would stall it for about HOLD_MS (1500 ms); 500 ms leaves
    // room for a busy machine's scheduling hiccups while still telling the two apart.
    expect(longestStall).toBeLessThan(500);
    expect(await store.jobGet({ id: created!.id })).toMatchObject({ state: 'pending' });
  });

  it('answers an idle claim at once, without waiting for the lock', async () => {
    const { store, db } = await open();
    await store.jobInsertMany({ jobs: [job({ delayMs: 60_000 })] });
    await lockFromAnotherProcess(db, HOLD_MS);
    const started = Date.now();
    expect(await store.jobClaim({ workerId: 'w', queues: ['default', 'other'], limit: 10, leaseMs: 30_000 })).toEqual([]);
    expect(await store.jobNextDueIn({ queues: ['default'] })).toBeGreaterThan(50_000);
    expect(Date.now() - started).toBeLessThan(HOLD_MS / 3);
  });

  it('gives up after lockWaitMs with an error naming the file and the lock', async () => {
    const { store, db } = await open({ lockWaitMs: 300 });
    await lockFromAnotherProcess(db, HOLD_MS);
    const started = Date.now();
    const error = await store.jobInsertMany({ jobs: [job()] }).catch((err: unknown) => err);
    expect(Date.now() - started).toBeLessThan(HOLD_MS / 2);
    expect(error).toMatchObject({ code: 'store_unavailable', retryable: true });
    expect((error as Error).message).toContain(db);
    expect((error as Error).message).toMatch(/another process has held its write lock/);
  });

  it('rejects a negative lockWaitMs, naming the option', () => {
    expect(() => createSqliteStore({ path: ':memory:', lockWaitMs: -1 })).toThrow(/lockWaitMs/);
  });
});
