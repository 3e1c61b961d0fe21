/**
 * Queue-level operations: queueStats (one grouped query over `jobs`, joined with the paused
 * flags in `queues`) and queueSetPaused. A queue needs no row to exist; a row only records
 * that it was paused or resumed.
 */
import type { QueueStats } from '../../../core/types.js';
import type { SqliteConnection } from '../connection.js';

const STATS = `
  WITH counts AS (
    SELECT queue,
           SUM(state = 'pending') AS pending,
           SUM(state = 'pending' AND run_at <= @now) AS due,
           SUM(state = 'running') AS running,
           SUM(state = 'succeeded') AS succeeded,
           SUM(state = 'failed') AS failed,
           SUM(state = 'cancelled') AS cancelled
    FROM jobs
    GROUP BY queue
  ),
  names AS (SELECT queue AS name FROM counts UNION SELECT name FROM queues)
  SELECT names.name AS queue,
         COALESCE(queues.paused, 0) AS paused,
         COALESCE(counts.pending, 0) AS pending,
         COALESCE(counts.due, 0) AS due,
         COALESCE(counts.running, 0) AS running,
         COALESCE(counts.succeeded, 0) AS succeeded,
         COALESCE(counts.failed, 0) AS failed,
         COALESCE(counts.cancelled, 0) AS cancelled
  FROM names
  LEFT JOIN counts ON counts.queue = names.name
  LEFT JOIN queues ON queues.name = names.name
  ORDER BY names.name`;

const SET_PAUSED = `
  INSERT INTO queues (name, paused) VALUES (?, ?)
  ON CONFLICT (name) DO UPDATE SET paused = excluded.paused`;

type StatsRow = Omit<QueueStats, 'paused'> & { paused: number };

export function queueStats(c: SqliteConnection, now: number): QueueStats[] {
  return (c.prepare(STATS).all({ now }) as StatsRow[]).map((row) => ({ ...row, paused: row.paused !== 0 }));
}

export function setQueuePaused(c: SqliteConnection, queue: string, paused: boolean): void {
  c.prepare(SET_PAUSED).run(queue, paused ? 1 : 0);
}
