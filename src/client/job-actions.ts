/**
 * The rules of the operator actions on one job, kept in the client so every way in (the
 * CLI, the HTTP API, the TypeScript API) answers alike: an unknown id is not found; cancelling
 * a finished job, retrying one that has not failed or deleting one that runs is a conflict;
 * cancelling twice is not an error, and says nothing changed.
 */
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { JobState } from '../core/types.js';
import type { Store } from '../store/contract.js';

/** What a cancellation did. */
export interface CancelResult {
  /** `cancelled` (it was pending), or `running` (its worker was asked to abort it). */
  state: 'cancelled' | 'running';
  /** True while the job runs and its worker has been asked to abort it. */
  cancelRequested: boolean;
  /** Set when nothing changed: the job was already cancelled, or its cancellation already requested. */
  already?: true;
}

const ENDED: readonly JobState[] = ['succeeded', 'failed'];

function alreadyEnded(id: string, state: JobState): ConflictError {
  return new ConflictError(`job ${id} already ended (${state}); only pending or running jobs can be cancelled`, { details: { id, state } });
}

/** Cancels a pending job at once, or asks a running job's worker to abort it. */
export async function cancelJob(store: Store, id: string): Promise<CancelResult> {
  // Read first: the store answers alike for "cancelled now" and "was already cancelled".
  const before = await store.jobGet({ id });
  if (!before) throw new NotFoundError('job', id);
  if (before.state === 'cancelled') return { state: 'cancelled', cancelRequested: false, already: true };
  if (ENDED.includes(before.state)) throw alreadyEnded(id, before.state);
  const result = await store.jobCancel({ id });
  if (!result) throw new NotFoundError('job', id);
  if (result.state === 'cancelled') return { state: 'cancelled', cancelRequested: false };
  if (result.state === 'running') {
    const already = before.state === 'running' && before.cancelRequested;
    return { state: 'running', cancelRequested: true, ...(already ? { already: true as const } : {}) };
  }
  // It ended between the read and the cancellation.
  throw alreadyEnded(id, result.state);
}

/** Runs a failed or cancelled job again, with one more attempt allowed. */
export async function retryJob(store: Store, id: string): Promise<{ retried: true; state: 'pending' }> {
  const result = await store.jobRetry({ id });
  if (!result) throw new NotFoundError('job', id);
  if (!result.retried) {
    throw new ConflictError(`job ${id} is ${result.state}; only failed or cancelled jobs can be retried`, { details: { id, state: result.state } });
  }
  return { retried: true, state: 'pending' };
}

/**
 * Deletes a job that is not running, with its attempts and logs. A running job is a conflict:
 * its worker still holds it and would report into nothing, so it is cancelled first.
 */
export async function deleteJob(store: Store, id: string): Promise<{ id: string; deleted: true }> {
  const result = await store.jobDelete({ id });
  if (result === null) throw new NotFoundError('job', id);
  if (result === 'running') {
    throw new ConflictError(`job ${id} is running; cancel it first, then delete it once it has stopped`, { details: { id, state: 'running' } });
  }
  return { id, deleted: true };
}
