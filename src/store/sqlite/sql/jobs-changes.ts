/**
 * jobChanges on SQLite: what changed in a window, for live views and metrics. Three reads in
 * one read transaction (one snapshot), each bounded by an index however many finished rows
 * pile up: `created` seeks the rowid after `afterId`; `started` scans `jobs_running`, the
 * partial index of running rows only (a second index on started_at would cost a write on
 * every claim for a listing); `finished` is a range of `jobs_finished` (every row with a
 * finish time, ties in rowid order).
 */
import type { JobRecord } from '../../../core/types.js';
import type { ChangesQuery } from '../../filters.js';
import type { SqliteConnection } from '../connection.js';
import { type JobRow, jobFromRow } from '../rows.js';

// The three reads (exported for the plan tests).
export const CREATED = `SELECT * FROM jobs WHERE id > @afterId ORDER BY id LIMIT @limit`;

export const STARTED = `
  SELECT * FROM jobs
  WHERE state = 'running' AND started_at >= @from AND started_at < @to
  ORDER BY started_at, id LIMIT @limit`;

export const FINISHED = `
  SELECT * FROM jobs
  WHERE finished_at >= @from AND finished_at < @to
  ORDER BY finished_at, id LIMIT @limit`;

export function jobChanges(c: SqliteConnection, now: number, query: ChangesQuery): { created: JobRecord[]; started: JobRecord[]; finished: JobRecord[]; now: Date } {
  const window = { from: query.from.getTime(), to: query.to.getTime(), limit: query.limit };
  const read = (sql: string, params: Record<string, unknown>): JobRecord[] => (c.prepare(sql).all(params) as JobRow[]).map(jobFromRow);
  return c.read(() => ({
    created: read(CREATED, { afterId: BigInt(query.afterId), limit: query.limit }),
    started: read(STARTED, window),
    finished: read(FINISHED, window),
    now: new Date(now),
  }));
}
