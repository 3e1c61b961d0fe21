/**
 * Turns what `store.jobChanges` read into `FeedEvent`s, telling each change once.
 *
 * A job row shows only its latest state, so the events of a job come from two places: a
 * running row says its attempt started; a row that finished in the window carries every
 * finished attempt in `attempts`, each with its start and end. The attempt records fill the
 * gaps a row alone would leave: a job that started and finished between two reads gives its
 * `job:started` from the record; a job that finished twice before its first finish was read
 * (a quick retry) gives both attempts when the second is read.
 *
 * What was told is remembered per job, (attempt, time) for starts and for ends, so reading a
 * row again never tells a change twice. The memory keeps `MEMORY_MS` of history; a change of
 * a job it no longer remembers is told only when it happened within that time (and after the
 * feed began), so a forgotten change, told long ago, is never told again.
 */
import type { AttemptRecord, JobRecord, JobState } from '../core/types.js';
import type { FeedEvent, FeedJob } from './api.js';

/** How long what was told is remembered: far longer than a window plus the read lag. */
export const MEMORY_MS = 60_000;

interface Told {
  attempt: number;
  /** ms since the epoch of the change told. */
  at: number;
}

type JobEvent = Extract<FeedEvent, { job: FeedJob }>;

const RANK: Record<FeedEvent['type'], number> = { 'job:enqueued': 0, 'job:started': 1, 'job:retried': 2, 'job:finished': 2, 'worker:up': 3, 'worker:down': 3 };

export class FeedMemory {
  private readonly started = new Map<string, Told>();
  private readonly finished = new Map<string, Told>();

  /** @param since When the feed began: nothing earlier is ever told. */
  constructor(private readonly since: number) {}

  /**
   * `job:started` for running rows whose attempt was not told yet. Call it after
   * `finishedEvents` of the same read: a running attempt told first would hide the start of
   * an earlier attempt of the same job that only its record tells.
   */
  startedEvents(rows: readonly JobRecord[], from: Date): JobEvent[] {
    const events: JobEvent[] = [];
    for (const job of rows) {
      if (job.state !== 'running' || !job.startedAt) continue;
      if (this.tell(this.started, job.id, job.attempt, job.startedAt.getTime(), from)) {
        events.push(jobEvent('job:started', job.startedAt, job, { state: 'running', attempt: job.attempt, worker: job.lockedBy }));
      }
    }
    return events;
  }

  /**
   * For each finished row: every attempt record not told yet (its start too, if that was
   * missed), and a cancellation that ended a job without an attempt (cancelled while pending).
   */
  finishedEvents(rows: readonly JobRecord[], from: Date): JobEvent[] {
    const events: JobEvent[] = [];
    for (const job of rows) {
      job.attempts.forEach((record, index) => events.push(...this.attemptEvents(job, record, index === job.attempts.length - 1, from)));
      const last = job.attempts[job.attempts.length - 1];
      const endedWithoutAttempt = job.state === 'cancelled' && job.finishedAt && job.finishedAt.getTime() !== last?.finishedAt.getTime();
      if (endedWithoutAttempt && this.tell(this.finished, job.id, job.attempt, job.finishedAt!.getTime(), from)) {
        events.push(jobEvent('job:finished', job.finishedAt!, job, { state: 'cancelled', attempt: job.attempt, outcome: 'cancelled', durationMs: null, worker: null }));
      }
    }
    return events;
  }

  /** Forgets what was told before `from - MEMORY_MS`. */
  forget(from: Date): void {
    const cutoff = from.getTime() - MEMORY_MS;
    for (const map of [this.started, this.finished]) for (const [id, told] of map) if (told.at < cutoff) map.delete(id);
  }

  private attemptEvents(job: JobRecord, record: AttemptRecord, isLast: boolean, from: Date): JobEvent[] {
    const events: JobEvent[] = [];
    const start = record.startedAt;
    if (start && this.tell(this.started, job.id, record.attempt, start.getTime(), from)) {
      events.push(jobEvent('job:started', start, job, { state: 'running', attempt: record.attempt, worker: record.worker }));
    }
    if (this.tell(this.finished, job.id, record.attempt, record.finishedAt.getTime(), from)) {
      const durationMs = start ? record.finishedAt.getTime() - start.getTime() : null;
      const again = ranAgain(job, record, isLast);
      const state = again ? 'pending' : endState(job, record, isLast);
      events.push(jobEvent(again ? 'job:retried' : 'job:finished', record.finishedAt, job, { state, attempt: record.attempt, outcome: record.outcome, durationMs, worker: record.worker, error: record.error?.message }));
    }
    return events;
  }

  /**
   * Whether a change should be told now, and if so remembers it. Told before when the memory
   * holds this attempt or a later one (an attempt given back on shutdown and claimed again
   * keeps its number, so a later time of the same attempt is a new change). Unknown to the
   * memory: told unless it is older than what the memory keeps or the feed itself.
   */
  private tell(map: Map<string, Told>, id: string, attempt: number, at: number, from: Date): boolean {
    const told = map.get(id);
    if (told) {
      if (told.attempt > attempt || (told.attempt === attempt && told.at >= at)) return false;
    } else if (at < Math.max(this.since, from.getTime() - MEMORY_MS)) {
      return false;
    }
    map.delete(id);
    map.set(id, { attempt, at });
    return true;
  }
}

/** Events in the order they happened: by time, then enqueued before started before ended, then by job and attempt. */
export function byTime(a: FeedEvent, b: FeedEvent): number {
  return a.at.getTime() - b.at.getTime() || RANK[a.type] - RANK[b.type] || compareJob(a, b);
}

export function enqueuedEvent(job: JobRecord): JobEvent {
  return jobEvent('job:enqueued', job.createdAt, job, { state: 'pending', attempt: 0 });
}

function compareJob(a: FeedEvent, b: FeedEvent): number {
  if (!('job' in a) || !('job' in b)) return 0;
  const ids = BigInt(a.job.id) - BigInt(b.job.id);
  return ids === 0n ? a.job.attempt - b.job.attempt : ids < 0n ? -1 : 1;
}

/**
 * Whether the job ran again after this attempt: the last attempt of a job that is pending or
 * running again was retried; an earlier attempt was, unless it ended the job (succeeded or
 * cancelled) and a manual retry made the next one.
 */
function ranAgain(job: JobRecord, record: AttemptRecord, isLast: boolean): boolean {
  if (isLast) return job.state === 'pending' || job.state === 'running';
  return record.outcome !== 'succeeded' && record.outcome !== 'cancelled';
}

/**
 * Where an attempt that did not run again left the job: the job's own state for its last
 * attempt (a failure whose cancellation was requested ends `cancelled`), else what its
 * outcome means.
 */
function endState(job: JobRecord, record: AttemptRecord, isLast: boolean): JobState {
  if (isLast && job.state !== 'pending' && job.state !== 'running') return job.state;
  return record.outcome === 'succeeded' ? 'succeeded' : record.outcome === 'cancelled' ? 'cancelled' : 'failed';
}

function jobEvent(type: JobEvent['type'], at: Date, job: JobRecord, fields: Partial<FeedJob> & { state: JobState; attempt: number }): JobEvent {
  const { error, outcome, durationMs, worker, ...rest } = fields;
  return {
    type,
    at,
    job: {
      id: job.id,
      task: job.task,
      queue: job.queue,
      traceId: job.traceId ?? null,
      ...rest,
      ...(outcome === undefined ? {} : { outcome }),
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(error === undefined ? {} : { error }),
      ...(worker === undefined ? {} : { worker }),
    },
  };
}
