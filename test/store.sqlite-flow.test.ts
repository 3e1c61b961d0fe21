/**
 * Flow control on SQLite, beyond the contract: limits hold across connections to one file,
 * the keyed claim's statements read their partial indexes, a key's past rate state is
 * deleted (idle keys cost nothing), and a version 8 database upgrades with its jobs keyless
 * and claimable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_LIMITS } from '../src/core/flow.js';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { CLAIM_KEY, CLAIM_KEYLESS, FIRST_KEY, KEY_AFTER, NEW_KEYLESS } from '../src/store/sqlite/sql/flow-claim.js';
import { finishOf, job } from './store-contract/support.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-flow-'));
  dirs.push(dir);
  return join(dir, 'ordo.db');
}

async function open(path: string, clock?: () => number): Promise<Store> {
  const store = createSqliteStore({ path, clock });
  stores.push(store);
  await store.migrate();
  return store;
}

describe('sqlite flow control', () => {
  it('shares a queue’s concurrency between connections claiming at once', async () => {
    const path = dbPath();
    const [a, b] = [await open(path), await open(path)];
    await a.jobInsertMany({ jobs: Array.from({ length: 30 }, () => job({ queue: 'q' })) });
    await a.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, concurrency: 3 } });
    let done = 0;
    let mostRunning = 0;
    while (done < 30) {
      const claims = await Promise.all([a, b, a, b].map((store, i) => store.jobClaim({ workerId: `w${i}`, queues: ['q'], limit: 5, leaseMs: 60_000 })));
      const claimed = claims.flat();
      const running = (await a.queueFlow({ queue: 'q' }))!.running;
      mostRunning = Math.max(mostRunning, running);
      expect(claimed.length).toBeLessThanOrEqual(3);
      await b.jobFinishMany({ finishes: claimed.map((j) => finishOf(j, { state: 'succeeded', outcome: 'succeeded' })) });
      done += claimed.length;
    }
    expect(mostRunning).toBe(3);
  });

  it('deletes a key’s rate state once it is an interval past, idle keys included; a start less late keeps the schedule', async () => {
    const path = dbPath();
    const start = Date.parse('2030-01-01T00:00:00Z');
    let now = start;
    const store = await open(path, () => now);
    await store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, keyRate: { limit: 1, periodMs: 1_000, burst: 1 } } });
    await store.jobInsertMany({ jobs: ['a', 'b', 'b'].map((key) => job({ queue: 'q', concurrencyKey: key })) });
    const claim = () => store.jobClaim({ workerId: 'w', queues: ['q'], limit: 10, leaseMs: 60_000 });
    expect((await claim()).map((j) => j.concurrencyKey)).toEqual(['a', 'b']);
    const keys = () => {
      const db = new Database(path, { readonly: true });
      const rows = db.prepare('SELECT key, tat FROM flow_keys ORDER BY key').all() as { key: string; tat: number }[];
      db.close();
      return rows.map((row) => `${row.key}@${row.tat - start}`);
    };
    expect(keys()).toEqual(['a@1000', 'b@1000']);
    // b still limited, a idle: nothing starts, and nothing is deleted yet.
    now += 500;
    expect(await claim()).toEqual([]);
    expect(keys()).toEqual(['a@1000', 'b@1000']);
    // 500 ms after b's slot: b starts in that slot (its next one at 2000, not 2500); a's state,
    // less than an interval past, still kept.
    now += 1_000;
    expect((await claim()).map((j) => j.concurrencyKey)).toEqual(['b']);
    expect(keys()).toEqual(['a@1000', 'b@2000']);
    // A whole interval past: idle a's is swept, b's (500 ms past) kept, c's added.
    now += 1_000;
    await store.jobInsertMany({ jobs: [job({ queue: 'q', concurrencyKey: 'c' })] });
    expect((await claim()).map((j) => j.concurrencyKey)).toEqual(['c']);
    expect(keys()).toEqual(['b@2000', 'c@3500']);
  });

  it('answers a poll of a queue its limits hold back from a read, without the write lock', async () => {
    const path = dbPath();
    const store = await open(path);
    await store.jobInsertMany({ jobs: [job({ queue: 'rated' }), job({ queue: 'rated' }), job({ queue: 'paused' })] });
    await store.queueLimitsSet({ queue: 'rated', limits: { ...NO_LIMITS, rate: { limit: 1, periodMs: 60_000, burst: 1 } } });
    await store.queuePauseFor({ queue: 'paused', ms: 30_000 });
    expect(await store.jobClaim({ workerId: 'w', queues: ['rated'], limit: 5, leaseMs: 60_000 })).toHaveLength(1);
    const poller = createSqliteStore({ path, lockWaitMs: 0 });
    stores.push(poller);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      expect(await poller.jobClaim({ workerId: 'w', queues: ['rated', 'paused'], limit: 5, leaseMs: 60_000 })).toEqual([]);
      // Next start: the rate's in about a minute, the pause's in about 30 s.
      expect(await poller.jobNextDueIn({ queues: ['rated'] })).toBeGreaterThan(59_000);
      expect(await poller.jobNextDueIn({ queues: ['paused'] })).toBeGreaterThan(29_000);
      expect(await poller.jobNextDueIn({ queues: ['paused'] })).toBeLessThanOrEqual(30_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('walks the partial key indexes for keys and their jobs, jobs_claim in order for the keyless ones, and the newest rows for new keyless ones', async () => {
    const path = dbPath();
    await open(path);
    const db = new Database(path, { readonly: true });
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ queue: 'q', now: 1, after: 'a', key: 'a', workerId: 'w', lockedUntil: 2, mark: 0 }) as { detail: string }[]).map((row) => row.detail).join(' | ');
    try {
      expect(plan(KEY_AFTER)).toBe('SEARCH jobs USING COVERING INDEX jobs_key_pending (queue=? AND concurrency_key>?)');
      expect(plan(FIRST_KEY)).toBe('SEARCH jobs USING COVERING INDEX jobs_key_pending (queue=? AND concurrency_key>?)');
      expect(plan(CLAIM_KEY)).toContain('SEARCH jobs USING COVERING INDEX jobs_key_pending (queue=? AND concurrency_key=?)');
      expect(plan(CLAIM_KEYLESS)).toContain('SEARCH jobs USING INDEX jobs_claim (queue=?)');
      expect(plan(CLAIM_KEYLESS)).not.toContain('TEMP B-TREE');
      // Whether a keyless job came since a claim found none: the rows inserted since, by rowid.
      expect(plan(NEW_KEYLESS)).toContain('SEARCH jobs USING INTEGER PRIMARY KEY (rowid>?)');
    } finally {
      db.close();
    }
  });

  it('upgrades a version 8 database: its jobs have no key and are claimed under new limits', async () => {
    const path = dbPath();
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(migration.version, migration.name);
    }
    const insert = db.prepare(`INSERT INTO jobs (task, queue, payload, state, run_at, created_at, max_attempts) VALUES ('t', 'q', '{}', 'pending', 0, 0, 3)`);
    for (let i = 0; i < 4; i++) insert.run();
    db.prepare(`INSERT INTO queues (name, paused) VALUES ('q', 0)`).run();
    db.close();
    const store = await open(path);
    expect((await store.jobGet({ id: '1' }))?.concurrencyKey).toBeNull();
    expect((await store.queueStats())[0]).toMatchObject({ queue: 'q', pending: 4, limits: NO_LIMITS, pausedUntil: null });
    await store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, concurrency: 2, fair: true } });
    const claimed = await store.jobClaim({ workerId: 'w', queues: ['q'], limit: 10, leaseMs: 60_000 });
    expect(claimed.map((j) => [j.id, j.concurrencyKey])).toEqual([['1', null], ['2', null]]);
  });
});
