/**
 * jobThroughput on PostgreSQL: jobs that ended, per bucket of finish time, for the
 * dashboard's charts. The database's clock first (the last bucket holds now, and the span is
 * checked before anything is read), then one range of `jobs_finished` (every job with a
 * finish time, by that time), grouped by bucket; a job waiting for a retry has a finish time
 * too, and is left out by its state. Buckets nothing ended in are filled in with zeros by
 * throughput.ts. Same module as the SQLite engine's.
 */
import type { ThroughputBucket } from '../../../core/types.js';
import { type BucketCounts, type ThroughputQuery, bucketSpan, fillBuckets } from '../../throughput.js';
import type { PgContext } from '../context.js';

const NOW = 'SELECT now() AS now';

// Bucket index: whole milliseconds since the epoch, divided and floored (extract gives
// numeric, exact, from PostgreSQL 14 on). Exported for the plan tests.
export const throughputSql = (s: string, byQueue: boolean): string => `
  SELECT floor(extract(epoch FROM finished_at) * 1000 / $3)::bigint AS bucket,
         count(*) FILTER (WHERE state = 'succeeded')::integer AS succeeded,
         count(*) FILTER (WHERE state = 'failed')::integer AS failed,
         count(*) FILTER (WHERE state = 'cancelled')::integer AS cancelled
  FROM ${s}.jobs
  WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
    AND state IN ('succeeded', 'failed', 'cancelled')${byQueue ? ' AND queue = $4' : ''}
  GROUP BY 1`;

export async function jobThroughput(ctx: PgContext, query: ThroughputQuery): Promise<ThroughputBucket[]> {
  const [clock] = await ctx.db.rows<{ now: Date }>({ name: 'ordo_now', text: NOW });
  const span = bucketSpan(query, clock!.now.getTime());
  if (span.count === 0) return [];
  const values: unknown[] = [new Date(span.first * query.bucketMs), new Date(span.endMs), query.bucketMs];
  if (query.queue !== null) values.push(query.queue);
  const rows = await ctx.db.rows<BucketCounts>({ text: throughputSql(ctx.s, query.queue !== null), values });
  return fillBuckets(span, query.bucketMs, rows);
}
