/**
 * Worker presence: workerHeartbeat (upsert, `last_seen_at = now()`), workerStopped and
 * workerList. Liveness is derived when reading, from `last_seen_at + liveness_ms` (the window
 * the worker itself declared) and `stopped_at` against the database clock, so a worker that
 * died without a word simply turns `stale`. `running` is counted from the jobs the worker
 * holds now, not the count its last heartbeat wrote, which lags by up to an interval.
 */
import type { WorkerInfo, WorkerRecord } from '../../../core/types.js';
import { WORKER_LIST_HORIZON_MS, livenessOf } from '../../records.js';
import type { PgContext } from '../context.js';

const heartbeatSql = (s: string): string => `
  INSERT INTO ${s}.workers (id, host, pid, queues, concurrency, running, started_at, last_seen_at, stopped_at, liveness_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, now(), NULL, $8)
  ON CONFLICT (id) DO UPDATE SET
    host = excluded.host, pid = excluded.pid, queues = excluded.queues,
    concurrency = excluded.concurrency, running = excluded.running,
    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at, stopped_at = NULL,
    liveness_ms = excluded.liveness_ms`;

const stoppedSql = (s: string): string => `UPDATE ${s}.workers SET stopped_at = now(), last_seen_at = now(), running = 0 WHERE id = $1`;

const listSql = (s: string): string => `
  SELECT w.id, w.host, w.pid, w.queues, w.concurrency, w.started_at, w.last_seen_at, w.liveness_ms,
         (SELECT count(*)::integer FROM ${s}.jobs WHERE state = 'running' AND locked_by = w.id) AS running,
         CASE WHEN w.stopped_at IS NOT NULL THEN 'stopped'
              WHEN w.last_seen_at + w.liveness_ms * interval '1 millisecond' > now() THEN 'alive'
              ELSE 'stale' END AS status
  FROM ${s}.workers AS w
  WHERE w.last_seen_at >= now() - $1 * interval '1 millisecond'
  ORDER BY w.id COLLATE "C"`;

/** A listed row: the columns named as in `WorkerRecord` come back with its types. */
interface WorkerRow extends Omit<WorkerRecord, 'startedAt' | 'lastSeenAt' | 'livenessMs'> {
  started_at: Date;
  last_seen_at: Date;
  liveness_ms: number;
}

export async function heartbeatWorker(ctx: PgContext, worker: WorkerInfo): Promise<void> {
  await ctx.db.rows({
    name: 'ordo_worker_heartbeat',
    text: heartbeatSql(ctx.s),
    values: [worker.id, worker.host, worker.pid, [...worker.queues], worker.concurrency, worker.running, worker.startedAt, livenessOf(worker)],
  });
}

export async function markWorkerStopped(ctx: PgContext, id: string): Promise<void> {
  await ctx.db.rows({ text: stoppedSql(ctx.s), values: [id] });
}

export async function listWorkers(ctx: PgContext): Promise<WorkerRecord[]> {
  const rows = await ctx.db.rows<WorkerRow>({ text: listSql(ctx.s), values: [WORKER_LIST_HORIZON_MS] });
  return rows.map((row) => ({
    id: row.id,
    host: row.host,
    pid: row.pid,
    queues: row.queues,
    concurrency: row.concurrency,
    running: row.running,
    startedAt: row.started_at,
    livenessMs: row.liveness_ms,
    lastSeenAt: row.last_seen_at,
    status: row.status,
  }));
}
