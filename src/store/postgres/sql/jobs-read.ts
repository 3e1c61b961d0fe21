/**
 * Read-only job queries: jobGet, jobList (newest first, filtered, counted) and jobNextDueIn.
 * jobList fetches the page and the total in one statement, so both come from one snapshot.
 * The filter's conditions are job-filter.ts's; `page.before` pages by primary key, an index
 * seek however deep.
 */
import { resolvePage } from '../../../core/page.js';
import type { JobFilter, JobRecord, Page } from '../../../core/types.js';
import { checkJobFilter } from '../../filters.js';
import { HELD_BY_LIMITS_MS } from '../../records.js';
import type { PgContext } from '../context.js';
import { type JobRow, isRowId, jobColumns, jobFromRow } from '../rows.js';
import { where, whereClause } from './job-filter.js';

const getSql = (s: string): string => `SELECT ${jobColumns()} FROM ${s}.jobs WHERE id = $1`;

// The total joins the page with LEFT JOIN ON true, so an empty page still carries the count.
// The total counts the whole filter; only the page stops below the cursor.
const listSql = (s: string, where: string, paged: string, n: number): string => `
  SELECT c.total, ${jobColumns('p')}
  FROM (SELECT count(*)::bigint AS total FROM ${s}.jobs ${where}) AS c
  LEFT JOIN (SELECT ${jobColumns()} FROM ${s}.jobs ${paged} ORDER BY id DESC LIMIT $${n} OFFSET $${n + 1}) AS p ON true`;

// One index probe per queue on `jobs_due`. Paused queues are left out: an idle worker must
// not wake up for jobs it may not claim. A limited queue (flow-claim.ts) is due no earlier
// than its pause ends or its rate allows the next start (core/flow.ts rateNextStart: rate_tat
// less burst - 1 intervals), as SQLite's answer: a worker then neither polls it every few ms
// nor comes late for it. Held by its concurrency, it answers HELD_BY_LIMITS_MS (SQLite also
// reads its keys' limits; here a queue whose every due key is held is claimed to find none).
const nextDueSql = (s: string): string => `
  SELECT ceil(extract(epoch FROM min(greatest(n.run_at, h.until)) - now()) * 1000)::double precision AS ms
  FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT run_at FROM ${s}.jobs WHERE queue = q.name AND state = 'pending' ORDER BY run_at LIMIT 1
  ) AS n
  LEFT JOIN LATERAL (
    -- greatest() skips NULLs: no pause in force, or no rate state, holds nothing.
    SELECT greatest(
             CASE WHEN l.paused_until > now() THEN l.paused_until END,
             CASE WHEN l.rate_limit IS NOT NULL AND l.rate_tat IS NOT NULL
                  THEN to_timestamp((l.rate_tat - (coalesce(l.rate_burst, 1) - 1) * l.rate_period_ms::double precision / l.rate_limit) / 1000) END,
             -- Its concurrency full: a running job must end first, no time known (records.ts
             -- HELD_BY_LIMITS_MS), so an idle worker sleeps its poll interval, not 10 ms.
             CASE WHEN l.concurrency IS NOT NULL
                       AND (SELECT count(*) FROM ${s}.jobs AS r WHERE r.queue = q.name AND r.state = 'running') >= l.concurrency
                  THEN now() + ${HELD_BY_LIMITS_MS} * interval '1 millisecond' END
           ) AS until
    FROM ${s}.queues AS l WHERE l.name = q.name AND l.limited
  ) AS h ON true
  WHERE q.name <> ALL (ARRAY(SELECT name FROM ${s}.queues WHERE paused))`;

export async function getJob(ctx: PgContext, id: string): Promise<JobRecord | null> {
  if (!isRowId(id)) return null;
  const rows = await ctx.db.rows<JobRow>({ name: 'ordo_job_get', text: getSql(ctx.s), values: [id] });
  return rows[0] ? jobFromRow(rows[0]) : null;
}

/** One page of jobs matching `filter`, newest first, and how many match in all. */
export async function listJobs(ctx: PgContext, filter: JobFilter = {}, page: Page = {}): Promise<{ jobs: JobRecord[]; total: number }> {
  const { limit, offset, before } = resolvePage(page);
  const { conditions, args } = whereClause(checkJobFilter(filter));
  if (before !== undefined) args.push(before);
  const paged = before === undefined ? conditions : [...conditions, `id < $${args.length}::bigint`];
  const rows = await ctx.db.rows<JobRow & { total: string }>({
    text: listSql(ctx.s, where(conditions), where(paged), args.length + 1),
    values: [...args, limit, offset],
  });
  const total = Number(rows[0]?.total ?? 0);
  return { jobs: rows.filter((row) => row.id !== null).map(jobFromRow), total };
}

/** Milliseconds until the earliest pending job of `queues` is due; null when there is none. */
export async function nextDueIn(ctx: PgContext, queues: readonly string[]): Promise<number | null> {
  if (queues.length === 0) return null;
  const rows = await ctx.db.rows<{ ms: number | null }>({ name: 'ordo_job_next_due', text: nextDueSql(ctx.s), values: [[...queues]] });
  const ms = rows[0]?.ms ?? null;
  return ms === null ? null : Math.max(0, ms);
}
