/**
 * Read-only job queries: jobGet, jobList (newest first, filtered, counted) and jobNextDueIn.
 * jobList fetches the page and the total in one statement, so both come from one snapshot.
 * `payloadText` is an ILIKE over the payload's jsonb text with its wildcards escaped;
 * `page.before` pages by primary key, an index seek however deep. Text holding NUL matches
 * nothing (filters.ts: holdsNul).
 */
import { resolvePage } from '../../../core/page.js';
import type { JobFilter, JobRecord, Page } from '../../../core/types.js';
import { LIKE_ESCAPE, checkJobFilter, holdsNul, likeContaining } from '../../filters.js';
import { filterEqualities } from '../../records.js';
import type { PgContext } from '../context.js';
import { type JobRow, isRowId, jobColumns, jobFromRow } from '../rows.js';

const getSql = (s: string): string => `SELECT ${jobColumns()} FROM ${s}.jobs WHERE id = $1`;

// The total joins the page with LEFT JOIN ON true, so an empty page still carries the count.
// The total counts the whole filter; only the page stops below the cursor.
const listSql = (s: string, where: string, paged: string, n: number): string => `
  SELECT c.total, ${jobColumns('p')}
  FROM (SELECT count(*)::bigint AS total FROM ${s}.jobs ${where}) AS c
  LEFT JOIN (SELECT ${jobColumns()} FROM ${s}.jobs ${paged} ORDER BY id DESC LIMIT $${n} OFFSET $${n + 1}) AS p ON true`;

// One index probe per queue on `jobs_due`. Paused queues are left out: an idle worker must
// not wake up for jobs it may not claim.
const nextDueSql = (s: string): string => `
  SELECT ceil(extract(epoch FROM min(n.run_at) - now()) * 1000)::double precision AS ms
  FROM unnest($1::text[]) AS q(name)
  CROSS JOIN LATERAL (
    SELECT run_at FROM ${s}.jobs WHERE queue = q.name AND state = 'pending' ORDER BY run_at LIMIT 1
  ) AS n
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

function whereClause(filter: JobFilter): { conditions: string[]; args: unknown[] } {
  const conditions: string[] = [];
  const args: unknown[] = [];
  if (holdsNul(filter.payloadText, ...filterEqualities(filter).map(([, value]) => value))) return { conditions: ['false'], args };
  if (filter.state !== undefined) {
    args.push(Array.isArray(filter.state) ? filter.state : [filter.state]);
    conditions.push(`state = ANY ($${args.length}::text[])`);
  }
  for (const [column, value] of filterEqualities(filter)) {
    args.push(value);
    conditions.push(`${column} = $${args.length}`);
  }
  if (filter.createdFrom !== undefined) {
    args.push(filter.createdFrom);
    conditions.push(`created_at >= $${args.length}::timestamptz`);
  }
  if (filter.createdTo !== undefined) {
    args.push(filter.createdTo);
    conditions.push(`created_at < $${args.length}::timestamptz`);
  }
  if (filter.payloadText !== undefined) {
    args.push(likeContaining(filter.payloadText));
    conditions.push(`payload::text ILIKE $${args.length} ESCAPE '${LIKE_ESCAPE}'`);
  }
  return { conditions, args };
}

function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}
