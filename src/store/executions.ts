/**
 * executionList's walk, the same in both engines. Attempts live inside their job's row, so
 * no index orders them by their own finish time; but a job's `finished_at` is when its latest
 * attempt ended, at or after every attempt's. So the engines read jobs newest-finished first
 * from `jobs_finished`, a chunk at a time, each chunk's attempts unnested and filtered in
 * SQL, and once `limit` attempts have finished after the last job read, no job still unread
 * can hold a newer one: the walk stops. The newest page reads about `2 × limit` jobs; `from`
 * ends the walk at that time (older jobs hold no attempt after it). A filter few attempts
 * match, `to`, or a deep `before` cursor read every job that finished later, in chunks that
 * double up to MAX_CHUNK.
 */
import type { AttemptOutcome, ErrorInfo, ExecutionRecord } from '../core/types.js';
import { compareIds } from './records.js';

/** Most jobs one chunk reads. */
export const MAX_CHUNK = 4000;

/** An attempt record as a chunk returns it: its stored fields, without logs and result. */
export interface StoredExecution {
  attempt: number;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string;
  outcome: AttemptOutcome;
  error?: ErrorInfo;
}

/** The execution record of one attempt of one job. */
export function executionFrom(job: { id: string; task: string; queue: string }, stored: StoredExecution): ExecutionRecord {
  const startedAt = stored.startedAt === null ? null : new Date(stored.startedAt);
  const finishedAt = new Date(stored.finishedAt);
  return {
    jobId: job.id,
    task: job.task,
    queue: job.queue,
    attempt: stored.attempt,
    worker: stored.worker,
    startedAt,
    finishedAt,
    outcome: stored.outcome,
    error: stored.error ?? null,
    durationMs: startedAt === null ? null : finishedAt.getTime() - startedAt.getTime(),
  };
}

/** The listing's order: newest `finishedAt` first, then job id and attempt, both descending. */
export function compareExecutions(a: ExecutionRecord, b: ExecutionRecord): number {
  return b.finishedAt.getTime() - a.finishedAt.getTime() || compareIds(b.jobId, a.jobId) || b.attempt - a.attempt;
}

/** Collects the newest `limit` attempts over chunks of jobs, and says when to stop. */
export class ExecutionWalk {
  private found: ExecutionRecord[] = [];
  private size: number;

  constructor(private readonly limit: number) {
    // Twice the page: on a first try a job's finish and its attempt's are one time, so the
    // walk can only stop once it has read past the page's last job.
    this.size = Math.min(2 * limit + 10, MAX_CHUNK);
  }

  /** How many jobs the next chunk reads. */
  get chunkSize(): number {
    return this.size;
  }

  /**
   * Adds one chunk: the matching attempts of the jobs it read, how many jobs it read, and
   * the finish time of the last one. True when the walk is done: the jobs ran out, or every
   * unread job finished (so did all its attempts) before the `limit`-th newest attempt found.
   */
  add(records: readonly ExecutionRecord[], jobsRead: number, lastFinishedAt: Date | null): boolean {
    this.found.push(...records);
    this.found.sort(compareExecutions);
    this.found.length = Math.min(this.found.length, this.limit);
    if (jobsRead < this.size || lastFinishedAt === null) return true;
    this.size = Math.min(2 * this.size, MAX_CHUNK);
    const last = this.found[this.limit - 1];
    return last !== undefined && last.finishedAt.getTime() > lastFinishedAt.getTime();
  }

  /** The attempts found, in listing order. */
  result(): ExecutionRecord[] {
    return this.found;
  }
}
