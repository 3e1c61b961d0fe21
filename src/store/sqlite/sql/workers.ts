/**
 * Worker presence: workerHeartbeat (upsert, `last_seen_at = now`), workerStopped and
 * workerList. Liveness is derived when reading, from `last_seen_at + liveness_ms` (the window
 * the worker itself declared) and `stopped_at`, so a worker that died without a word simply
 * turns `stale`. `running` is counted from the jobs the worker holds now, not the count its
 * last heartbeat wrote, which lags by up to a heartbeat interval.
 */
import type { WorkerInfo, WorkerRecord } from '../../../core/types.js';
import { WORKER_LIST_HORIZON_MS, livenessOf } from '../../records.js';
import type { SqliteConnection } from '../connection.js';

const HEARTBEAT = `
  INSERT INTO workers (id, host, pid, queues, concurrency, running, started_at, last_seen_at, stopped_at, liveness_ms)
  VALUES (@id, @host, @pid, @queues, @concurrency, @running, @startedAt, @now, NULL, @livenessMs)
  ON CONFLICT (id) DO UPDATE SET
    host = excluded.host, pid = excluded.pid, queues = excluded.queues,
    concurrency = excluded.concurrency, running = excluded.running,
    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at, stopped_at = NULL,
    liveness_ms = excluded.liveness_ms`;

const STOPPED = `UPDATE workers SET stopped_at = @now, last_seen_at = @now, running = 0 WHERE id = @id`;

const LIST = `
  SELECT w.id, w.host, w.pid, w.queues, w.concurrency, w.started_at, w.last_seen_at, w.stopped_at, w.liveness_ms,
         (SELECT count(*) FROM jobs WHERE state = 'running' AND locked_by = w.id) AS running
  FROM workers AS w WHERE w.last_seen_at >= ? ORDER BY w.id`;

interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  queues: string;
  concurrency: number;
  running: number;
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
  liveness_ms: number;
}

export function heartbeatWorker(c: SqliteConnection, now: number, worker: WorkerInfo): void {
  c.prepare(HEARTBEAT).run({
    id: worker.id,
    host: worker.host,
    pid: worker.pid,
    queues: JSON.stringify(worker.queues),
    concurrency: worker.concurrency,
    running: worker.running,
    startedAt: worker.startedAt.getTime(),
    livenessMs: livenessOf(worker),
    now,
  });
}

export function markWorkerStopped(c: SqliteConnection, now: number, id: string): void {
  c.prepare(STOPPED).run({ id, now });
}

export function listWorkers(c: SqliteConnection, now: number): WorkerRecord[] {
  const rows = c.prepare(LIST).all(now - WORKER_LIST_HORIZON_MS) as WorkerRow[];
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    queues: JSON.parse(row.queues) as string[],
    concurrency: row.concurrency,
    running: row.running,
    startedAt: new Date(row.started_at),
    livenessMs: row.liveness_ms,
    lastSeenAt: new Date(row.last_seen_at),
    status: row.stopped_at !== null ? 'stopped' : row.last_seen_at + row.liveness_ms > now ? 'alive' : 'stale',
  }));
}
