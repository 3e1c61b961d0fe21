/**
 * SQLite plans of the reads that run on every poll, scrape and refresh (jobChanges,
 * queueStats, the execution walk, the dashboard's throughput) and of the pruner: each reads
 * an index range or one small index, never the whole jobs table, whether or not the database
 * was ever analysed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/store/sqlite/engine.js';
import { chunkSql } from '../src/store/sqlite/sql/executions.js';
import { CREATED, FINISHED, STARTED } from '../src/store/sqlite/sql/jobs-changes.js';
import { PRUNE_AUDIT } from '../src/store/sqlite/sql/audit.js';
import { PRUNE_JOBS } from '../src/store/sqlite/sql/jobs-prune.js';
import { throughputSql } from '../src/store/sqlite/sql/jobs-throughput.js';
import { STATS } from '../src/store/sqlite/sql/queues.js';

const FINISHED_ROWS = 5000;

describe.each([false, true])('sqlite plans (analysed: %s)', (analysed) => {
  let dir: string;
  let db: Database.Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordo-plans-'));
    const path = join(dir, 'ordo.db');
    const store = createSqliteStore({ path });
    await store.migrate();
    await store.close();
    db = new Database(path);
    fill(db);
    if (analysed) db.exec('ANALYZE');
  });

  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The plan's steps, one string each. */
  const plan = (sql: string, params: Record<string, unknown>): string[] =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((row) => row.detail);
  const window = { from: 1, to: 2, limit: 10 };

  it('jobChanges: created by rowid, started among running rows only, finished by a range of jobs_finished', () => {
    expect(plan(CREATED, { afterId: 1, limit: 10 })).toEqual(['SEARCH jobs USING INTEGER PRIMARY KEY (rowid>?)']);
    expect(plan(STARTED, window)).toContain('SCAN jobs USING INDEX jobs_running');
    expect(plan(FINISHED, window)).toEqual(['SEARCH jobs USING INDEX jobs_finished (finished_at>? AND finished_at<?)']);
  });

  it('the pruner walks jobs_finished, and audit_log_at for the audit log', () => {
    expect(plan(PRUNE_JOBS, { cutoff: 1, limit: 10 })).toContain('SEARCH jobs USING INDEX jobs_finished (finished_at<?)');
    expect(plan(PRUNE_AUDIT, { cutoff: 1, limit: 10 })).toContain('SEARCH audit_log USING COVERING INDEX audit_log_at (at<?)');
  });

  it('throughput reads a range of jobs_finished, with or without a queue', () => {
    const params = { bucketMs: 60_000n, from: 1, to: 2, queue: 'q0' };
    for (const byQueue of [false, true]) {
      const steps = plan(throughputSql(byQueue), byQueue ? params : { bucketMs: 60_000n, from: 1, to: 2 });
      expect(steps, `by queue: ${byQueue}`).toContain('SEARCH jobs USING INDEX jobs_finished (finished_at>? AND finished_at<?)');
    }
  });

  it('queueStats reads an index for each part, never the table', () => {
    const steps = plan(STATS, { now: 1, hourAgo: 0 });
    expect(steps).toEqual(
      expect.arrayContaining([
        'SCAN jobs USING COVERING INDEX jobs_queue_state',
        'SCAN jobs USING COVERING INDEX jobs_due',
        'SEARCH jobs USING INDEX jobs_finished (finished_at>?)',
      ]),
    );
    expect(steps.filter((step) => step.startsWith('SCAN jobs') || step.startsWith('SEARCH jobs'))).toHaveLength(3);
  });

  it('the execution walk reads jobs_finished, with or without `from`', () => {
    const params = { cursorAt: 1, cursorId: 1, chunk: 10, fromMs: 0 };
    expect(plan(chunkSql('', '1'), params)).toContain('SEARCH jobs USING INDEX jobs_finished (finished_at>? AND finished_at<?)');
    expect(plan(chunkSql('AND finished_at >= @fromMs', '1'), params)).toContain('SEARCH jobs USING INDEX jobs_finished (finished_at>? AND finished_at<?)');
  });
});

/** Many finished jobs (a third of them retried), a few running and pending. */
function fill(db: Database.Database): void {
  const insert = db.prepare(`
    INSERT INTO jobs (task, queue, payload, state, run_at, created_at, max_attempts, attempt, started_at, finished_at, locked_until)
    VALUES ('t', @queue, '{}', @state, @at, @at, 3, 1, @at, @finished, @lockedUntil)`);
  db.transaction(() => {
    for (let i = 0; i < FINISHED_ROWS; i++) {
      insert.run({ queue: `q${i % 3}`, state: i % 3 === 0 ? 'pending' : 'succeeded', at: i, finished: i, lockedUntil: null });
    }
    for (let i = 0; i < 20; i++) insert.run({ queue: 'q0', state: 'running', at: i, finished: null, lockedUntil: i + 60_000 });
    for (let i = 0; i < 50; i++) insert.run({ queue: 'q1', state: 'pending', at: i, finished: null, lockedUntil: null });
  })();
}
