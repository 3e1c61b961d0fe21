/**
 * The queues entity of the Store contract: per-queue counts, the paused flag and the flow
 * limits (core/flow.ts). A queue exists while it has jobs or a row in `queues` (a paused
 * flag, a limit or a pause for a rate limit makes one).
 */
import type { QueueFlow, QueueLimits } from '../../core/flow.js';
import type { QueueStats } from '../../core/types.js';

export interface QueueStore {
  /** Counts per queue and state, with its limits, for every queue that has jobs or a row. */
  queueStats(): Promise<QueueStats[]>;

  queueSetPaused(params: { readonly queue: string; readonly paused: boolean }): Promise<void>;

  /**
   * Sets every limit of `queue` at once (`NO_LIMITS` clears them; checked by the caller with
   * `checkQueueLimits`). Every claim after this call, by any worker, honours them. Changing a
   * rate keeps its state (the starts already made still count).
   */
  queueLimitsSet(params: { readonly queue: string; readonly limits: QueueLimits }): Promise<void>;

  /**
   * The queue's limits and what they hold back now; null when the queue has neither jobs nor
   * a row. `busiestKeys`: how many keys with the most pending jobs to list (default 0);
   * `key`: one key whose use to report (`QueueFlow.key`, `keyNextStartAt`).
   */
  queueFlow(params: { readonly queue: string; readonly busiestKeys?: number; readonly key?: string | null }): Promise<QueueFlow | null>;

  /**
   * Pauses the queue's starts until `ms` from now by the store's clock, or later if a pause
   * already ends later: a handler reported that what it calls is rate limited
   * (`RateLimitedError`). Running jobs go on; claims start none of the queue's jobs until then.
   */
  queuePauseFor(params: { readonly queue: string; readonly ms: number }): Promise<void>;
}
