/**
 * jobChanges on PostgreSQL: what changed in a window, for live views and metrics, in one
 * statement (one snapshot, one round trip), each part bounded by an index however many
 * finished rows pile up: `created` the primary key after `afterId`; `started` the partial
 * index `jobs_running` of running rows only (a second index on started_at would cost a write
 * on every claim for a listing); `finished` a range of `jobs_finished` (finished_at, id).
 * The parts come back as rows of one result, tagged, in their order, with the clock's `now()`
 * on every row (and on one row of NULLs when all three are empty). Same module as the SQLite
 * engine's.
 */
import type { JobRecord } from '../../../core/types.js';
import type { ChangesQuery } from '../../filters.js';
import type { PgContext } from '../context.js';
import { type JobRow, jobColumns, jobFromRow } from '../rows.js';

/** The statement for schema `s` (exported for the plan tests). */
export const changesSql = (s: string): string => `
  SELECT now() AS store_now, x.*
  FROM (SELECT 1) AS one
  LEFT JOIN (
    (SELECT 1 AS part, id AS n, NULL::timestamptz AS at, ${jobColumns()} FROM ${s}.jobs
     WHERE id > $1::bigint ORDER BY id LIMIT $4)
    UNION ALL
    (SELECT 2, id, started_at, ${jobColumns()} FROM ${s}.jobs
     WHERE state = 'running' AND started_at >= $2 AND started_at < $3 ORDER BY started_at, id LIMIT $4)
    UNION ALL
    (SELECT 3, id, finished_at, ${jobColumns()} FROM ${s}.jobs
     WHERE finished_at IS NOT NULL AND finished_at >= $2 AND finished_at < $3 ORDER BY finished_at, id LIMIT $4)
  ) AS x ON true
  ORDER BY x.part, x.at, x.n`;

type ChangesRow = JobRow & { store_now: Date; part: 1 | 2 | 3 | null };

export async function jobChanges(ctx: PgContext, query: ChangesQuery): Promise<{ created: JobRecord[]; started: JobRecord[]; finished: JobRecord[]; now: Date }> {
  const rows = await ctx.db.rows<ChangesRow>({
    name: 'ordo_job_changes',
    text: changesSql(ctx.s),
    values: [query.afterId, query.from, query.to, query.limit],
  });
  const part = (n: 1 | 2 | 3): JobRecord[] => rows.filter((row) => row.part === n).map(jobFromRow);
  return { created: part(1), started: part(2), finished: part(3), now: (rows[0] as ChangesRow).store_now };
}
