/**
 * Jobs claimed ahead of free slots: under load the producer claims a few hundred jobs in one
 * statement instead of one statement per freed slot, and a slot freed while the next claim is
 * under way starts a job from here at once instead of waiting for it. The jobs here are held
 * like running ones: their leases are renewed, and a lost lease or a cancellation reaches them.
 *
 * How many to hold is sized by what this worker starts: as many as it would start in the next
 * `AHEAD_WINDOW_MS` at the rate it started jobs lately, at most `max`. A worker of slow jobs (or
 * an idle one) holds none, so it claims exactly its free slots as before, and no job waits here
 * while another worker could run it; a worker of fast jobs holds enough to claim in large
 * batches. The cost is the order: a job enqueued after a claim, even one of a higher
 * priority, starts after the jobs already claimed ahead, at most one window of work.
 */
import type { JobFinish, JobRecord } from '../core/types.js';
import type { JobRef } from '../store/contract.js';
import { keyOf } from './executor.js';

/** How much work, in time at the recent start rate, is claimed ahead. */
export const AHEAD_WINDOW_MS = 100;
/** How often the start rate is re-measured; it is smoothed over a few such periods. */
const RATE_PERIOD_MS = 100;

/** The claimed jobs waiting for a slot, in claim order, and the start rate that sizes them. */
export class ClaimedAhead {
  private readonly jobs = new Map<string, JobRecord>();
  /** Jobs started per ms, smoothed. */
  private rate = 0;
  private periodStart = Date.now();
  private periodStarts = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.jobs.size;
  }

  /** How many jobs to hold ahead now: the recent start rate times the window, at most `max`. */
  get target(): number {
    this.measure();
    return Math.min(this.max, Math.floor(this.rate * AHEAD_WINDOW_MS));
  }

  add(jobs: readonly JobRecord[]): void {
    for (const job of jobs) this.jobs.set(keyOf(job), job);
  }

  /** The next job in claim order, counted as started; null when none waits. */
  next(): JobRecord | null {
    const first = this.jobs.entries().next();
    if (first.done) return null;
    this.jobs.delete(first.value[0]);
    this.periodStarts++;
    return first.value[1];
  }

  /** Takes out the job of `ref` (its lease was lost, or it was cancelled before it started). */
  remove(ref: JobRef): JobRecord | null {
    const job = this.jobs.get(keyOf(ref)) ?? null;
    if (job) this.jobs.delete(keyOf(ref));
    return job;
  }

  /** Takes out every job (the worker stops: they are released). */
  removeAll(): JobRecord[] {
    const all = [...this.jobs.values()];
    this.jobs.clear();
    return all;
  }

  refs(): JobRef[] {
    return [...this.jobs.values()].map(({ id, attempt }) => ({ id, attempt }));
  }

  private measure(): void {
    const now = Date.now();
    const elapsed = now - this.periodStart;
    if (elapsed < RATE_PERIOD_MS) return;
    // Half the weight to the last period: a burst is followed within a few periods, and so
    // is its end (an idle period halves the rate, so a quiet worker soon holds none).
    this.rate = (this.rate + this.periodStarts / elapsed) / 2;
    if (this.rate < 1e-4) this.rate = 0;
    this.periodStart = now;
    this.periodStarts = 0;
  }
}

/**
 * The finish of a claimed job that never started: given back uncharged (the worker stops), or
 * cancelled (a cancellation was asked before a slot was free).
 */
export function unstartedFinish(job: JobRecord, workerId: string, end: 'released' | 'cancelled'): JobFinish {
  const now = new Date();
  const fields: Pick<JobFinish, 'state' | 'outcome'> & Partial<JobFinish> =
    end === 'released' ? { state: 'pending', outcome: 'released', retryDelayMs: 0 } : { state: 'cancelled', outcome: 'cancelled', error: { message: 'cancelled before it started' } };
  return { id: job.id, attempt: job.attempt, workerId, startedAt: job.startedAt ?? now, finishedAt: now, logs: [], ...(job.workflow ? { runId: job.workflow.runId } : {}), ...fields };
}
