/**
 * The workers entity of the Store contract: presence rows that heartbeats keep fresh, and
 * the listing operators read. Liveness is derived when reading, never stored.
 */
import type { WorkerInfo, WorkerRecord } from '../../core/types.js';

export interface WorkerStore {
  /** Upserts a worker's heartbeat row; `lastSeenAt = now`. */
  workerHeartbeat(params: { readonly worker: WorkerInfo }): Promise<void>;

  /** Marks a worker as cleanly stopped. */
  workerStopped(params: { readonly id: string }): Promise<void>;

  /**
   * Workers seen within the last day, by id. `alive` while `lastSeenAt + livenessMs` is ahead
   * of the store's clock, `stopped` after `workerStopped` (until the next heartbeat), else
   * `stale`. `running` counts the jobs the worker holds now (state running, locked by it).
   */
  workerList(): Promise<WorkerRecord[]>;
}
