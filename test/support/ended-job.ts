/**
 * A job that has run: enqueued, claimed and finished through the store as a worker would,
 * without a worker, so a test controls the outcome and result exactly.
 */
import type { Ordo } from '../../src/client/ordo.js';
import type { Json } from '../../src/core/types.js';
import { finishOf } from './jobs.js';

export interface Ending {
  state: 'succeeded' | 'failed';
  result?: Json;
  /** The queue to run it on; by default one of its own, so no other job is claimed in its place. */
  queue?: string;
}

/** Runs one attempt of a new job that ends as told (a failure's error is "boom"); returns its id. */
export async function endedJob(ordo: Ordo, task: string, payload: Json, end: Ending): Promise<string> {
  const queue = end.queue ?? `run-${Math.random().toString(36).slice(2, 10)}`;
  const { id } = await ordo.enqueue(task, payload, { queue, maxAttempts: 1 });
  const [running] = await ordo.store.jobClaim({ workerId: 'w-test', queues: [queue], limit: 1, leaseMs: 30_000 });
  // On a shared queue an older due job would be claimed first: that is a broken test, not a result.
  if (running?.id !== id) throw new Error(`claimed ${running?.id ?? 'nothing'} instead of job ${id} on queue ${queue}`);
  const outcome = end.state === 'succeeded' ? { state: 'succeeded' as const, outcome: 'succeeded' as const, result: end.result } : { state: 'failed' as const, outcome: 'failed' as const, error: { message: 'boom' } };
  await ordo.store.jobFinishMany({ finishes: [finishOf(running, outcome)] });
  return id;
}
