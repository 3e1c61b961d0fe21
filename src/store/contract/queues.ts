/**
 * The queues entity of the Store contract: per-queue counts and the paused flag. A queue
 * exists while it has jobs or a row in `queues` (only a paused flag makes one).
 */
import type { QueueStats } from '../../core/types.js';

export interface QueueStore {
  /** Counts per queue and state, for every queue that has jobs or a paused flag. */
  queueStats(): Promise<QueueStats[]>;

  queueSetPaused(params: { readonly queue: string; readonly paused: boolean }): Promise<void>;
}
