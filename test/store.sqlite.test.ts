/**
 * The SQLite engine: the shared store contract, plus what only SQLite has: a file path
 * (folder creation, helpful errors), an injectable clock, migrations recorded in
 * `schema_migrations`, and several OS processes sharing one file.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { OrdoError } from '../src/core/errors.js';
import type { Store } from '../src/store/contract.js';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { everyNext, finishOf, job, schedule } from './store-contract/support.js';
import { fireAllDue } from './support/jobs.js';
import { exerciseStore } from './store-contract/index.js';
import { sqliteFixture } from './support/engines.js';

exerciseStore(sqliteFixture);

describe('sqlite engine', () => {
  const opened: Store[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tempPath(...parts: string[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-sqlite-'));
    folders.push(dir);
    return join(dir, ...parts);
  }

  async function open(path: string, clock?: () => number): Promise<Store> {
    const store = createSqliteStore(clock ? { path, clock } : { path });
    opened.push(store);
    await store.migrate();
    return store;
  }

  it('creates the folder of the database file when missing', async () => {
    const path = tempPath('nested', 'deeper', 'ordo.db');
    await open(path);
    expect(existsSync(path)).toBe(true);
  });

  it('says which path is wrong when its folder cannot be created', async () => {
    const blocker = tempPath('a-file');
    writeFileSync(blocker, 'not a folder');
    const store = createSqliteStore({ path: join(blocker, 'ordo.db') });
    opened.push(store);
    await expect(store.migrate()).rejects.toMatchObject({ code: 'config', message: expect.stringContaining(blocker) });
  });

  it('says so when the file is not a SQLite database', async () => {
    const path = tempPath('garbage.db');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
    const store = createSqliteStore({ path });
    opened.push(store);
    await expect(store.migrate()).rejects.toMatchObject({ code: 'config', message: expect.stringContaining(path) });
  });

  it('asks for migrate() when the schema is missing', async () => {
    const store = createSqliteStore({ path: tempPath('ordo.db') });
    opened.push(store);
    await expect(store.jobGet({ id: '1' })).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('migrate()') });
  });

  it('migrates once and records the version; migrating again is a no-op', async () => {
    const path = tempPath('ordo.db');
    const store = await open(path);
    await store.migrate();
    await open(path);
    const db = new Database(path, { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations').all();
    const mode = db.pragma('journal_mode', { simple: true });
    db.close();
    expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((version) => ({ version })));
    expect(mode).toBe('wal');
  });

  it('declares its capabilities and refuses transactional enqueue', async () => {
    const store = await open(tempPath('ordo.db'));
    expect(store.capabilities).toEqual({ crossProcessNotify: false, crossProcessJobWake: true, transactionalEnqueue: false });
    const refused = store.jobInsertMany({ jobs: [job()], tx: { query: async () => ({ rows: [] }) } });
    await expect(refused).rejects.toBeInstanceOf(OrdoError);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('PostgreSQL') });
  });

  it('rejects calls after close, and close is idempotent', async () => {
    const store = await open(tempPath('ordo.db'));
    await store.close();
    await store.close();
    await expect(store.jobGet({ id: '1' })).rejects.toMatchObject({ code: 'store_unavailable' });
  });

  it('runs on the injected clock: delays, leases and rescue', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const store = await open(tempPath('ordo.db'), () => now);
    const [created] = await store.jobInsertMany({ jobs: [job({ delayMs: 10 * 60_000 })] });
    const claim = () => store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 30_000 });
    expect(await claim()).toEqual([]);
    expect(await store.jobNextDueIn({ queues: ['default'] })).toBe(10 * 60_000);
    now += 10 * 60_000;
    const [running] = await claim();
    expect(running).toMatchObject({ id: created!.id, startedAt: new Date(now), lockedUntil: new Date(now + 30_000) });
    now += 30_000;
    expect(await store.jobRescueExpired()).toEqual({ rescued: [], failed: [], cancelled: [] }); // expires after, not at, lockedUntil
    now += 1;
    expect(await store.jobRescueExpired()).toEqual({ rescued: [created!.id], failed: [], cancelled: [] });
    expect((await store.jobGet({ id: created!.id }))?.attempts[0]?.finishedAt).toEqual(new Date(now));
  });

  it("records an attempt's finish by the injected clock, not the worker's", async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const store = await open(tempPath('ordo.db'), () => now);
    const [created] = await store.jobInsertMany({ jobs: [job()] });
    const [running] = await store.jobClaim({ workerId: 'w', queues: ['default'], limit: 1, leaseMs: 30_000 });
    now += 5_000;
    await store.jobFinishMany({ finishes: [finishOf(running!, { finishedAt: new Date(0) })] });
    const done = await store.jobGet({ id: created!.id });
    expect(done?.finishedAt).toEqual(new Date(now));
    expect(done?.attempts[0]).toMatchObject({ startedAt: running!.startedAt, finishedAt: new Date(now) });
  });

  it('deletes the ledger rows of a deleted schedule with it (foreign keys on)', async () => {
    const path = tempPath('ledger.db');
    const store = await open(path);
    await store.scheduleUpsert({ schedule: schedule(), mode: 'create', next: everyNext(60_000) });
    await store.scheduleFireNow({ name: 'every-minute' });
    await store.scheduleFireNow({ name: 'every-minute' });
    const count = () => {
      const db = new Database(path, { readonly: true });
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM schedule_fires').get() as { n: number };
      db.close();
      return n;
    };
    expect(count()).toBe(2);
    await store.scheduleDelete({ name: 'every-minute' });
    expect(count()).toBe(0);
  });

  it('fires 500 due schedules from 3 connections at once: one job per fire time', async () => {
    const path = tempPath('schedules.db');
    let now = Date.parse('2030-01-01T00:00:30Z');
    const stores = [await open(path, () => now), await open(path, () => now), await open(path, () => now)];
    for (let i = 0; i < 500; i++) {
      await stores[0]!.scheduleUpsert({ schedule: schedule({ name: `s${i}`, misfire: 'once' }), mode: 'create', next: everyNext(60_000) });
    }
    now += 60_000;
    const started = performance.now();
    const fires = (await Promise.all(stores.map((store) => fireAllDue(store)))).flat();
    const elapsed = performance.now() - started;
    expect(fires).toHaveLength(500);
    expect(fires.every((f) => f.fireTime.getTime() === Date.parse('2030-01-01T00:01:00Z'))).toBe(true);
    expect(new Set(fires.map((f) => f.schedule)).size).toBe(500);
    expect((await stores[1]!.jobList({})).total).toBe(500);
    console.info(`sqlite: 500 due schedules fired by 3 connections in ${elapsed.toFixed(0)} ms`);
  });

  it('shares one file between several OS processes: one migration, each job finished once', async () => {
    const path = tempPath('shared.db');
    const children = ['p1', 'p2', 'p3'].map((id) => startClaimer(path, id));
    await Promise.all(children.map((c) => c.ready));
    const store = await open(path);
    const ids = (await store.jobInsertMany({ jobs: Array.from({ length: 600 }, (_, i) => job({ payload: { i } })) })).map((r) => r.id);
    for (const child of children) child.go();
    const finished = (await Promise.all(children.map((c) => c.done))).flat();
    expect(finished).toHaveLength(600);
    expect(new Set(finished)).toEqual(new Set(ids));
    const { total } = await store.jobList({ filter: { state: 'succeeded' } });
    expect(total).toBe(600);
  });
});

interface Claimer {
  ready: Promise<void>;
  go(): void;
  done: Promise<string[]>;
}

/** Starts test/support/sqlite-claimer.ts in its own Node process. */
function startClaimer(db: string, workerId: string): Claimer {
  const script = join(import.meta.dirname, 'support', 'sqlite-claimer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, db, workerId], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`claimer ${workerId} exited with ${code}: ${err}`));
      const last = out.trim().split('\n').at(-1) ?? '';
      resolve((JSON.parse(last) as { finished: string[] }).finished);
    });
  });
  // A child that dies before `ready` must fail the test rather than hang it.
  const readyOrDead = Promise.race([ready, done.then(() => Promise.reject(new Error(`claimer ${workerId} exited before ready`)))]);
  return { ready: readyOrDead, go: () => child.stdin.end('go\n'), done };
}
