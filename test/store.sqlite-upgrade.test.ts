/**
 * Upgrading a SQLite database made by an older schema (version 4): jobs keep their rows,
 * gain an empty trace id, and a job waiting for (or running) a retry gets the finish time of
 * its last attempt, which `finished_at` now keeps; the tokens table and the audit log
 * (version 6) arrive empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const T1 = Date.parse('2030-01-01T10:00:00.123Z');
const T2 = Date.parse('2030-01-01T11:00:00.456Z');
const attempt = (n: number, at: number) => ({ attempt: n, worker: 'w', startedAt: new Date(at - 10).toISOString(), finishedAt: new Date(at).toISOString(), outcome: 'failed', error: { message: 'x' } });

it('upgrades a version 4 database: trace ids, finish times of retries, tokens, the audit log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-upgrade-'));
  dirs.push(dir);
  const path = join(dir, 'ordo.db');
  const db = new Database(path);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
  }
  const insert = db.prepare(`INSERT INTO jobs (task, queue, payload, state, run_at, created_at, max_attempts, attempt, finished_at, attempts)
    VALUES ('t', 'default', '{}', ?, 0, 0, 5, ?, ?, ?)`);
  const waiting = insert.run('pending', 1, null, JSON.stringify([attempt(1, T1)])).lastInsertRowid;
  const running = insert.run('running', 3, null, JSON.stringify([attempt(1, T1), attempt(2, T2)])).lastInsertRowid;
  const fresh = insert.run('pending', 0, null, '[]').lastInsertRowid;
  const done = insert.run('succeeded', 1, T2 + 5, JSON.stringify([attempt(1, T2)])).lastInsertRowid;
  db.close();

  const store = createSqliteStore({ path });
  stores.push(store);
  await store.migrate();
  const get = async (id: number | bigint) => (await store.jobGet({ id: String(id) }))!;
  expect(await get(waiting)).toMatchObject({ state: 'pending', finishedAt: new Date(T1), traceId: null });
  expect(await get(running)).toMatchObject({ state: 'running', finishedAt: new Date(T2), traceId: null });
  expect(await get(fresh)).toMatchObject({ finishedAt: null, traceId: null });
  expect(await get(done)).toMatchObject({ finishedAt: new Date(T2 + 5) });
  const { finished } = await store.jobChanges({ afterId: '0', from: new Date(T1), to: new Date(T1 + 1), limit: 10 });
  expect(finished.map((j) => j.id)).toEqual([String(waiting)]);
  expect(await store.tokenList()).toEqual([]);
  expect(await store.auditList({ limit: 10 })).toEqual([]);

  const check = new Database(path, { readonly: true });
  const index = check.prepare("SELECT sql FROM sqlite_master WHERE name = 'jobs_finished'").get() as { sql: string };
  const versions = check.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
  check.close();
  expect(index.sql).toContain('WHERE finished_at IS NOT NULL');
  expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((version) => ({ version })));
});
