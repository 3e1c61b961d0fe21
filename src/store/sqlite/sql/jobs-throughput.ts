/**
 * jobThroughput on SQLite: jobs that ended, per bucket of finish time, for the dashboard's
 * charts. One range of `jobs_finished` (every job with a finish time, by that time) from the
 * first bucket's start to the last one's end, grouped by bucket; a job waiting for a retry
 * has a finish time too, and is left out by its state. Buckets nothing ended in are filled
 * in with zeros by throughput.ts.
 */
import type { ThroughputBucket } from '../../../core/types.js';
import { type BucketCounts, type ThroughputQuery, bucketSpan, fillBuckets } from '../../throughput.js';
import type { SqliteConnection } from '../connection.js';

// `@bucketMs` is bound as an integer, so the division is an integer one (finish times are
// positive: it floors). `+queue` keeps the queue's test off `jobs_queue_state`: without
// statistics SQLite prefers its two equalities, which walk every finished job of the queue
// ever kept, to the time range. Exported for the plan tests.
export const throughputSql = (byQueue: boolean): string => `
  SELECT finished_at / @bucketMs AS bucket,
         SUM(state = 'succeeded') AS succeeded, SUM(state = 'failed') AS failed, SUM(state = 'cancelled') AS cancelled
  FROM jobs
  WHERE finished_at >= @from AND finished_at < @to AND state IN ('succeeded', 'failed', 'cancelled')${byQueue ? ' AND +queue = @queue' : ''}
  GROUP BY bucket`;

export function jobThroughput(c: SqliteConnection, now: number, query: ThroughputQuery): ThroughputBucket[] {
  const span = bucketSpan(query, now);
  if (span.count === 0) return [];
  const params = {
    bucketMs: BigInt(query.bucketMs),
    from: span.first * query.bucketMs,
    to: span.endMs,
    ...(query.queue === null ? {} : { queue: query.queue }),
  };
  const rows = c.prepare(throughputSql(query.queue !== null)).all(params) as BucketCounts[];
  return fillBuckets(span, query.bucketMs, rows);
}
