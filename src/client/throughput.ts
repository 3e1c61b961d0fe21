/**
 * Throughput for charts: jobs that ended per time bucket over a window (the last hour, day or
 * week), by outcome. Each window has one bucket size, so a chart always gets a readable number
 * of bars (60, 96 or 84). Buckets are aligned to multiples of their size since the epoch, so
 * two calls a little apart (or two servers) cut time the same way and a chart can merge them.
 */
import { ValidationError } from '../core/errors.js';
import { checkQueueName } from '../core/names.js';
import type { ThroughputBucket } from '../core/types.js';

export type ThroughputWindow = '1h' | '24h' | '7d';

/** The span of each window and the size of its buckets. */
export const THROUGHPUT_WINDOWS: Readonly<Record<ThroughputWindow, { spanMs: number; bucketMs: number }>> = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 86_400_000, bucketMs: 900_000 },
  '7d': { spanMs: 604_800_000, bucketMs: 7_200_000 },
};

export interface ThroughputOptions {
  /** How far back. @defaultValue '1h' */
  window?: ThroughputWindow;
  /** Only this queue's jobs. @defaultValue every queue */
  queue?: string;
}

export interface Throughput {
  /** The size of every bucket. */
  bucketMs: number;
  /** Oldest first, every bucket of the window present (zeros too); the last one holds now. */
  buckets: ThroughputBucket[];
}

export interface ThroughputRequest {
  window: ThroughputWindow;
  queue?: string;
}

export function checkThroughputOptions(options: ThroughputOptions = {}): ThroughputRequest {
  const window = options?.window ?? '1h';
  if (!Object.hasOwn(THROUGHPUT_WINDOWS, window)) throw new ValidationError('window', `one of ${Object.keys(THROUGHPUT_WINDOWS).join(', ')}`, window);
  return options?.queue === undefined ? { window } : { window, queue: checkQueueName(options.queue) };
}

/**
 * Where the first bucket of `window` starts when it ends with the bucket that holds `now`.
 * `now` is this process's clock: a window a few seconds off is no matter for a chart, and the
 * store buckets every finish by its own clock.
 */
export function throughputStart(window: ThroughputWindow, now: Date): { from: Date; bucketMs: number } {
  const { spanMs, bucketMs } = THROUGHPUT_WINDOWS[window];
  const current = Math.floor(now.getTime() / bucketMs) * bucketMs;
  return { from: new Date(current - spanMs + bucketMs), bucketMs };
}
