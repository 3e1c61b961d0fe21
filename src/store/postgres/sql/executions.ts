/**
 * executionList on PostgreSQL: the walk of ../executions.ts over `jobs_finished`
 * (finished_at, id), newest finish first, one chunk of jobs per statement, all in one
 * REPEATABLE READ, READ ONLY transaction (one snapshot, as on SQLite). Each chunk unnests the
 * jobs' `attempts` with jsonb_array_elements and keeps the attempts that match (LEFT JOIN
 * LATERAL, so a job without any still gives one row and the walk knows how far it read). The
 * walk's cursor travels as text with microseconds, the precision of `finished_at`: a `Date`
 * would cut them, and the next chunk would read a row twice or skip it. Same module as the
 * SQLite engine's.
 */
import type { ExecutionRecord } from '../../../core/types.js';
import { ExecutionWalk, type StoredExecution, executionFrom } from '../../executions.js';
import { type ExecutionQuery, holdsNul } from '../../filters.js';
import type { PgContext } from '../context.js';
import type { Queryable } from '../pool.js';

/** Where the walk starts: above every finish time. */
const TOP = { at: 'infinity', id: '0' };

/** One chunk's statement, with the filters' conditions (exported for the plan tests). */
export const chunkSql = (s: string, jobConditions: string, attemptConditions: string): string => `
  SELECT j.id, j.task, j.queue, j.finished_at, j.cursor_at, a.e AS attempt
  FROM (SELECT id, task, queue, finished_at, attempts,
               to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
        FROM ${s}.jobs
        WHERE finished_at IS NOT NULL AND (finished_at, id) < ($1::timestamptz, $2::bigint) ${jobConditions}
        ORDER BY finished_at DESC, id DESC LIMIT $3) AS j
  LEFT JOIN LATERAL (
    SELECT e - 'logs' - 'result' AS e FROM jsonb_array_elements(j.attempts) AS x(e) WHERE ${attemptConditions}
  ) AS a ON true
  ORDER BY j.finished_at DESC, j.id DESC`;

const FINISHED_AT = `(e ->> 'finishedAt')::timestamptz`;

interface ChunkRow {
  id: string;
  task: string;
  queue: string;
  finished_at: Date;
  cursor_at: string;
  attempt: StoredExecution | null;
}

/** The newest attempts matching `query`, newest first. */
export async function listExecutions(ctx: PgContext, query: ExecutionQuery): Promise<ExecutionRecord[]> {
  if (query.outcomes?.length === 0 || holdsNul(query.task, query.queue, query.workerId)) return [];
  const { text, values } = chunkStatement(ctx.s, query);
  return ctx.db.transaction(async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return walk(client, text, values, query.limit);
  });
}

async function walk(client: Queryable, text: string, values: unknown[], limit: number): Promise<ExecutionRecord[]> {
  const executions = new ExecutionWalk(limit);
  let cursor = TOP;
  for (;;) {
    const { rows } = await client.query(text, [cursor.at, cursor.id, executions.chunkSize, ...values]);
    const chunk = rows as ChunkRow[];
    const last = chunk.at(-1);
    const records = chunk.flatMap((row) => (row.attempt === null ? [] : [executionFrom(row, row.attempt)]));
    if (executions.add(records, new Set(chunk.map((row) => row.id)).size, last?.finished_at ?? null) || !last) return executions.result();
    cursor = { at: last.cursor_at, id: last.id };
  }
}

/** The chunk statement for this query's filters ($1–$3 are the walk's), and their values. */
function chunkStatement(s: string, query: ExecutionQuery): { text: string; values: unknown[] } {
  const jobs: string[] = [];
  const attempts: string[] = ['true'];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length + 3}`;
  };
  if (query.task !== null) jobs.push(`task = ${param(query.task)}`);
  if (query.queue !== null) jobs.push(`queue = ${param(query.queue)}`);
  if (query.from !== null) {
    const from = param(query.from);
    // A job finished at or after each of its attempts: older jobs hold nothing from `from` on.
    jobs.push(`finished_at >= ${from}::timestamptz`);
    attempts.push(`${FINISHED_AT} >= ${from}::timestamptz`);
  }
  if (query.outcomes !== null) attempts.push(`e ->> 'outcome' = ANY (${param(query.outcomes)}::text[])`);
  if (query.workerId !== null) attempts.push(`e ->> 'worker' = ${param(query.workerId)}`);
  if (query.to !== null) attempts.push(`${FINISHED_AT} < ${param(query.to)}::timestamptz`);
  if (query.before !== null) {
    const { finishedAt, jobId, attempt } = query.before;
    attempts.push(`(${FINISHED_AT}, j.id, (e ->> 'attempt')::integer) < (${param(finishedAt)}::timestamptz, ${param(jobId)}::bigint, ${param(attempt)}::integer)`);
  }
  const jobConditions = jobs.map((condition) => `AND ${condition}`).join(' ');
  return { text: chunkSql(s, jobConditions, attempts.join(' AND ')), values };
}
