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
import { CLAIM_KEY, CLAIM_KEYLESS, NEW_KEYLESS, NEXT_DUE_KEY } from '../src/store/sqlite/sql/flow-claim.js';
import { HELD_BY_LIMITS_MS } from '../src/store/records.js';
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

  it('passes a key whose jobs are all delayed with a seek or two, not a read of its jobs', async () => {
    const path = dbPath();
    const store = await open(path);
    await store.queueLimitsSet({ queue: 'q', limits: { ...NO_LIMITS, keyConcurrency: 1 } });
    // 1,000 keys of 100 delayed jobs each; after every 100th, a key with due jobs ("d0100+"
    // sorts between "d0100" and "d0101").
    const delayed = Array.from({ length: 100_000 }, (_, i) => job({ queue: 'q', delayMs: 3_600_000, concurrencyKey: `d${String(i % 1000).padStart(4, '0')}` }));
    const due = Array.from({ length: 10 * 30 }, (_, i) => job({ queue: 'q', concurrencyKey: `d${String((i % 10) * 100).padStart(4, '0')}+` }));
    const jobs = [...delayed, ...due];
    for (let i = 0; i < jobs.length; i += 10_000) await store.jobInsertMany({ jobs: jobs.slice(i, i + 10_000) });
    const times: number[] = [];
    let started = 0;
    while (started < due.length) {
      const at = performance.now();
      const claimed = await store.jobClaim({ workerId: 'w', queues: ['q'], limit: 10, leaseMs: 60_000 });
      times.push(performance.now() - at);
      // Delayed keys count to the claim's bound of visited keys: a claim may stop short.
      expect(claimed.length).toBeGreaterThan(0);
      expect(new Set(claimed.map((j) => j.concurrencyKey)).size).toBe(claimed.length);
      started += claimed.length;
      await store.jobFinishMany({ finishes: claimed.map((j) => finishOf(j)) });
    }
    const median = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
    console.log(`keyed claims of 10 due keys among 1,000 keys of 100 delayed jobs: ${times.length} claims for ${due.length} jobs, median ${median.toFixed(2)} ms`);
    // Measured: a median of 6.0 ms when the walk read every delayed job of each key it passed;
    // 2.4 ms now (two seeks per key passed, and a claim passes about all 1,010 keys). The
    // plan test below checks the seeks.
  }, 120_000);

  it('answers polls of a queue held by its concurrency or by every due key’s limits from reads, and says when to look again', async () => {
    const path = dbPath();
    const start = Date.parse('2030-01-01T00:00:00Z');
    let now = start;
    const store = await open(path, () => now);
    await store.jobInsertMany({
      jobs: [
        ...Array.from({ length: 5 }, () => job({ queue: 'full' })),
        ...['a', 'a', 'b', 'b'].map((key) => job({ queue: 'keys', concurrencyKey: key })),
        ...['a', 'a'].map((key) => job({ queue: 'rated', concurrencyKey: key })),
      ],
    });
    await store.queueLimitsSet({ queue: 'full', limits: { ...NO_LIMITS, concurrency: 2 } });
    await store.queueLimitsSet({ queue: 'keys', limits: { ...NO_LIMITS, keyConcurrency: 1 } });
    await store.queueLimitsSet({ queue: 'rated', limits: { ...NO_LIMITS, keyRate: { limit: 1, periodMs: 10_000, burst: 1 } } });
    const claim = (s: Store, queue: string) => s.jobClaim({ workerId: 'w', queues: [queue], limit: 5, leaseMs: 600_000 });
    expect(await claim(store, 'full')).toHaveLength(2);
    expect((await claim(store, 'keys')).map((j) => j.concurrencyKey)).toEqual(['a', 'b']);
    expect(await claim(store, 'rated')).toHaveLength(1);
    now += 1_000;
    const poller = createSqliteStore({ path, lockWaitMs: 0, clock: () => now });
    stores.push(poller);
    const holder = new Database(path);
    holder.exec('BEGIN IMMEDIATE');
    try {
      for (let poll = 0; poll < 5; poll++) {
        for (const queue of ['full', 'keys', 'rated']) expect(await claim(poller, queue)).toEqual([]);
      }
      // Held until a running job ends: no time known, so longer than any poll interval.
      expect(await poller.jobNextDueIn({ queues: ['full'] })).toBe(HELD_BY_LIMITS_MS);
      expect(await poller.jobNextDueIn({ queues: ['keys'] })).toBe(HELD_BY_LIMITS_MS);
      // Held by its key's rate: until the key's next start, 9 s on.
      expect(await poller.jobNextDueIn({ queues: ['rated', 'full'] })).toBe(9_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    // A keyless job due in the keyed queue: it may start, so the poll takes the lock and claims it.
    await store.jobInsertMany({ jobs: [job({ queue: 'keys' })] });
    expect(await poller.jobNextDueIn({ queues: ['keys'] })).toBe(0);
    expect((await claim(poller, 'keys')).map((j) => j.concurrencyKey)).toEqual([null]);
  });

  it('walks the partial key indexes for keys and their jobs, jobs_claim in order for the keyless ones, and the newest rows for new keyless ones', async () => {
    const path = dbPath();
    await open(path);
    const db = new Database(path, { readonly: true });
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ queue: 'q', now: 1, from: 'a', key: 'a', workerId: 'w', lockedUntil: 2, mark: 0, budget: 10 }) as { detail: string }[]).map((row) => row.detail).join(' | ');
    try {
      // The next key, then its earliest run_at: a seek each, whatever the key's jobs.
      expect(plan(NEXT_DUE_KEY)).toMatch(/SEARCH jobs USING COVERING INDEX jobs_key_(pending|due) \(queue=\? AND concurrency_key>\?\)/);
      expect(plan(NEXT_DUE_KEY)).toContain('SEARCH jobs USING COVERING INDEX jobs_key_due (queue=? AND concurrency_key=?)');
      expect(plan(NEXT_DUE_KEY)).not.toContain('SCAN jobs');
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
