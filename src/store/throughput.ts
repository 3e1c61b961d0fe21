/**
 * What both engines check and derive for jobThroughput (the dashboard's charts) apart from
 * SQL: the query, the span of its buckets (aligned to multiples of the bucket size since the
 * epoch, so every server and every refresh draws the same buckets), and the full list of
 * buckets, zeros included, from the counts an engine read.
 */
import { ValidationError } from '../core/errors.js';
import type { ThroughputBucket } from '../core/types.js';
import { checkTime } from './filters.js';

/** The shortest throughput bucket, and the most buckets one call returns. */
export const MIN_BUCKET_MS = 1000;
export const MAX_BUCKETS = 2000;

/** A throughput query, checked. */
export interface ThroughputQuery {
  from: Date;
  bucketMs: number;
  queue: string | null;
}

export function checkThroughput(params: { readonly from: Date; readonly bucketMs: number; readonly queue?: string }): ThroughputQuery {
  const { bucketMs, queue } = params;
  if (typeof bucketMs !== 'number' || !Number.isSafeInteger(bucketMs) || bucketMs < MIN_BUCKET_MS) {
    throw new ValidationError('bucketMs', `a whole number of milliseconds >= ${MIN_BUCKET_MS}`, bucketMs);
  }
  if (queue !== undefined && typeof queue !== 'string') throw new ValidationError('queue', 'a string', queue);
  return { from: checkTime(params.from, 'from'), bucketMs, queue: queue ?? null };
}

/**
 * The buckets from the one holding `from` to the one holding `now` (store clock), aligned to
 * multiples of `bucketMs` since the epoch: the first's index and the end of the last (ms),
 * or a ValidationError naming `from` when they are more than MAX_BUCKETS. None when `from`
 * is after `now`.
 */
export function bucketSpan(query: ThroughputQuery, nowMs: number): { first: number; count: number; endMs: number } {
  const first = Math.floor(query.from.getTime() / query.bucketMs);
  const last = Math.floor(nowMs / query.bucketMs);
  const count = Math.max(0, last - first + 1);
  if (count > MAX_BUCKETS) {
    throw new ValidationError('from', `a time at most ${MAX_BUCKETS} buckets of ${query.bucketMs} ms before now (${new Date(nowMs).toISOString()})`, query.from);
  }
  return { first, count, endMs: (last + 1) * query.bucketMs };
}

/** Counts per bucket index, as an engine reads them. */
export interface BucketCounts {
  bucket: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** Every bucket of the span, oldest first, zeros where nothing ended. */
export function fillBuckets(span: { first: number; count: number }, bucketMs: number, counts: readonly BucketCounts[]): ThroughputBucket[] {
  const byIndex = new Map(counts.map((row) => [Number(row.bucket), row]));
  return Array.from({ length: span.count }, (_, i) => {
    const row = byIndex.get(span.first + i);
    return {
      at: new Date((span.first + i) * bucketMs),
      succeeded: Number(row?.succeeded ?? 0),
      failed: Number(row?.failed ?? 0),
      cancelled: Number(row?.cancelled ?? 0),
    };
  });
}
