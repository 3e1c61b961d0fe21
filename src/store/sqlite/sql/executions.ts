/**
 * executionList on SQLite: the walk of ../executions.ts over `jobs_finished`, newest finish
 * first, one chunk of jobs per statement, all in one read transaction (one snapshot). Each
 * chunk unnests the jobs' `attempts` with json_each and keeps the attempts that match (LEFT
 * JOIN, so a job without any still gives one row and the walk knows how far it read).
 * Attempt times are compared as the ISO text they are stored as (`Date#toISOString`, which
 * sorts as time for the years 1–9999 every filter time is clamped to).
 */
import type { ExecutionRecord } from '../../../core/types.js';
import { ExecutionWalk, type StoredExecution, executionFrom } from '../../executions.js';
import type { ExecutionQuery } from '../../filters.js';
import type { SqliteConnection } from '../connection.js';

/** Above every finish time: where the walk starts. */
const TOP = Number.MAX_SAFE_INTEGER;

/** One chunk's statement, with the filters' conditions (exported for the plan tests). */
export const chunkSql = (jobConditions: string, attemptConditions: string): string => `
  SELECT j.id, j.task, j.queue, j.finished_at, json_remove(a.value, '$.logs', '$.result') AS attempt
  FROM (SELECT id, task, queue, finished_at, attempts FROM jobs
        WHERE finished_at IS NOT NULL AND (finished_at, id) < (@cursorAt, @cursorId) ${jobConditions}
        ORDER BY finished_at DESC, id DESC LIMIT @chunk) AS j
  LEFT JOIN json_each(j.attempts) AS a ON ${attemptConditions}
  ORDER BY j.finished_at DESC, j.id DESC`;

const FINISHED_AT = `json_extract(a.value, '$.finishedAt')`;

interface ChunkRow {
  id: number;
  task: string;
  queue: string;
  finished_at: number;
  attempt: string | null;
}

/** The newest attempts matching `query`, newest first. */
export function listExecutions(c: SqliteConnection, query: ExecutionQuery): ExecutionRecord[] {
  if (query.outcomes?.length === 0) return [];
  const { sql, params } = chunkStatement(query);
  const chunk = c.prepare(sql);
  const walk = new ExecutionWalk(query.limit);
  return c.read(() => {
    let cursor = { cursorAt: TOP, cursorId: 0 };
    for (;;) {
      const rows = chunk.all({ ...params, ...cursor, chunk: walk.chunkSize }) as ChunkRow[];
      const last = rows.at(-1);
      const records = rows.flatMap((row) => (row.attempt === null ? [] : [executionFrom({ ...row, id: String(row.id) }, JSON.parse(row.attempt) as StoredExecution)]));
      if (walk.add(records, new Set(rows.map((row) => row.id)).size, last ? new Date(last.finished_at) : null) || !last) return walk.result();
      cursor = { cursorAt: last.finished_at, cursorId: last.id };
    }
  });
}

/** The chunk statement for this query's filters, and their parameters. */
function chunkStatement(query: ExecutionQuery): { sql: string; params: Record<string, unknown> } {
  const jobs: string[] = [];
  const attempts: string[] = ['1'];
  const params: Record<string, unknown> = {};
  const add = (list: string[], condition: string, values: Record<string, unknown>): void => {
    list.push(condition);
    Object.assign(params, values);
  };
  if (query.task !== null) add(jobs, 'task = @task', { task: query.task });
  if (query.queue !== null) add(jobs, 'queue = @queue', { queue: query.queue });
  // A job finished at or after each of its attempts: older jobs hold nothing from `from` on.
  if (query.from !== null) add(jobs, 'finished_at >= @fromMs', { fromMs: query.from.getTime() });
  if (query.outcomes !== null) add(attempts, `json_extract(a.value, '$.outcome') IN (SELECT value FROM json_each(@outcomes))`, { outcomes: JSON.stringify(query.outcomes) });
  if (query.workerId !== null) add(attempts, `json_extract(a.value, '$.worker') = @workerId`, { workerId: query.workerId });
  if (query.from !== null) add(attempts, `${FINISHED_AT} >= @from`, { from: query.from.toISOString() });
  if (query.to !== null) add(attempts, `${FINISHED_AT} < @to`, { to: query.to.toISOString() });
  if (query.before !== null) {
    const { finishedAt, jobId, attempt } = query.before;
    add(attempts, `(${FINISHED_AT}, j.id, json_extract(a.value, '$.attempt')) < (@beforeAt, @beforeJob, @beforeAttempt)`, {
      beforeAt: finishedAt.toISOString(),
      beforeJob: BigInt(jobId),
      beforeAttempt: attempt,
    });
  }
  const jobConditions = jobs.map((condition) => `AND ${condition}`).join(' ');
  return { sql: chunkSql(jobConditions, attempts.join(' AND ')), params };
}
