/**
 * Read-only job queries: jobGet, jobList (newest first, filtered, counted) and jobNextDueIn.
 * Filter combinations are few, so each combination's SQL is prepared once and cached (but
 * for JSON containment, whose text follows the filter's shape: job-filter.ts). `page.before`
 * pages by rowid, an index seek however deep.
 */
import { resolvePage } from '../../../core/page.js';
import type { JobFilter, JobRecord, Page } from '../../../core/types.js';
import { checkJobFilter } from '../../filters.js';
import type { SqliteConnection } from '../connection.js';
import { type JobRow, jobFromRow, toRowId } from '../rows.js';
import { HELD_BY_LIMITS_MS } from '../../records.js';
import { limitedNextStart, limitedStartAt } from './flow-claim.js';
import { where, whereClause } from './job-filter.js';

const GET = `SELECT * FROM jobs WHERE id = ?`;

// The earliest run_at of one queue: one seek on `jobs_due` (migration 2), however many jobs
// wait. Paused queues give no row: an idle worker must not wake up for jobs it may not claim.
// Measured with 200,000 delayed jobs: 15 ms when one MIN over all the queues walked
// `jobs_claim` (priority first), 0.005 ms now (0.007 ms for three queues).
// A limited queue (flow-claim.ts) is due no earlier than its limits allow a start.
const NEXT_DUE = `
  SELECT (SELECT MIN(run_at) FROM jobs WHERE queue = @queue AND state = 'pending') AS run_at,
         EXISTS (SELECT 1 FROM queues WHERE name = @queue AND limited = 1) AS limited
  WHERE NOT EXISTS (SELECT 1 FROM queues WHERE name = @queue AND paused = 1)`;

export function getJob(c: SqliteConnection, jobId: string): JobRecord | null {
  const id = toRowId(jobId);
  const row = id === null ? undefined : (c.prepare(GET).get(id) as JobRow | undefined);
  return row ? jobFromRow(row) : null;
}

/** One page of jobs matching `filter`, newest first, and how many match in all. */
export function listJobs(c: SqliteConnection, filter: JobFilter = {}, page: Page = {}): { jobs: JobRecord[]; total: number } {
  const { limit, offset, before } = resolvePage(page);
  const { conditions, args, shaped } = whereClause(checkJobFilter(filter));
  // The total counts the whole filter; only the page stops below the cursor.
  const paged = before === undefined ? conditions : [...conditions, 'id < ?'];
  const pageArgs = before === undefined ? args : [...args, BigInt(before)];
  const select = c.prepare(`SELECT * FROM jobs ${where(paged)} ORDER BY id DESC LIMIT ? OFFSET ?`, !shaped);
  const count = c.prepare(`SELECT COUNT(*) AS total FROM jobs ${where(conditions)}`, !shaped);
  return c.read(() => {
    const rows = select.all(...pageArgs, limit, offset) as JobRow[];
    const { total } = count.get(...args) as { total: number };
    return { jobs: rows.map(jobFromRow), total };
  });
}

/** Milliseconds until the earliest pending job of `queues` is due; null when there is none. */
export function nextDueIn(c: SqliteConnection, now: number, queues: readonly string[]): number | null {
  const nextDue = c.prepare(NEXT_DUE);
  const earliest = c.read(() => {
    let min: number | null = null;
    for (const queue of new Set(queues)) {
      const row = nextDue.get({ queue }) as { run_at: number | null; limited: number } | undefined;
      const due = row?.run_at ?? null;
      let runAt = due;
      if (due !== null && row?.limited === 1) {
        // Due now: when the limits let it start (a running job must end first: see
        // HELD_BY_LIMITS_MS). Due later: its limits may have changed by then, but not its
        // pause or its rate's schedule.
        const held = due <= now ? limitedStartAt(c, queue, now) : limitedNextStart(c, queue, now);
        if (held === Infinity) runAt = now + HELD_BY_LIMITS_MS;
        else if (held !== null) runAt = Math.max(due, held);
      }
      if (runAt !== null && (min === null || runAt < min)) min = runAt;
    }
    return min;
  });
  return earliest === null ? null : Math.max(0, earliest - now);
}
