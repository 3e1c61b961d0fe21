/**
 * A SQLite file that goes away under a running store: deleted, replaced or made read-only.
 * SQLite itself would write on into the file it opened (unseen by every other process), so
 * the store checks the file (at most once a second, and after I/O errors) and then fails
 * every call with StoreLostError, naming the file and what to do, without creating a new
 * file in its place. Time is moved with a fake Date instead of waiting for the check.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreLostError } from '../src/core/errors.js';
import type { Store } from '../src/store/contract.js';
import { CHECK_INTERVAL_MS } from '../src/store/sqlite/file-watch.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { job } from './support/jobs.js';

describe('sqlite: the database file lost under a running store', () => {
  const opened: Store[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function open(name = 'ordo.db'): Promise<{ store: Store; path: string; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-lost-'));
    folders.push(dir);
    const path = join(dir, name);
    const store = createSqliteStore({ path });
    opened.push(store);
    await store.migrate();
    await store.jobInsertMany({ jobs: [job()] });
    return { store, path, dir };
  }

  /** Moves this process's clock past the next file check. */
  function passCheckInterval(): void {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + CHECK_INTERVAL_MS + 1);
  }

  it('reports a deleted file, names it, keeps failing, and creates no new file', async () => {
    const { store, path } = await open();
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);
    passCheckInterval();
    const error = await store.jobInsertMany({ jobs: [job()] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreLostError);
    expect(error).toMatchObject({ code: 'store_lost', retryable: false });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/deleted/);
    // Sticky: every later call, reads included, fails the same way.
    await expect(store.jobList({})).rejects.toBeInstanceOf(StoreLostError);
    expect(existsSync(path)).toBe(false);
  });

  it('reports a file replaced by another one', async () => {
    const { store, path } = await open();
    const other = await open('other.db');
    await other.store.close();
    renameSync(other.path, path);
    passCheckInterval();
    const error = await store.jobGet({ id: '1' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreLostError);
    expect((error as Error).message).toMatch(/replaced/);
  });

  it('checks at most once a second: a call right after a check costs no file lookup', async () => {
    const { store, path } = await open();
    unlinkSync(path);
    // Within the interval the loss is not looked for yet; the call still succeeds.
    expect(await store.jobList({})).toMatchObject({ total: 1 });
    passCheckInterval();
    await expect(store.jobList({})).rejects.toBeInstanceOf(StoreLostError);
  });

  it('reports a database that refuses writes after it was opened writable', async () => {
    const { store, path } = await open();
    // File permissions do not stop root (tests may run as root), so have SQLite itself
    // refuse writes on the open connection, as it does when the file turned read-only.
    (store as unknown as { conn: { db: { pragma(sql: string): unknown } } }).conn.db.pragma('query_only = 1');
    const error = await store.jobInsertMany({ jobs: [job()] }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StoreLostError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/read-only/);
  });

  it('leaves a store whose file stays in place alone', async () => {
    const { store } = await open();
    passCheckInterval();
    expect(await store.jobList({})).toMatchObject({ total: 1 });
  });
});
