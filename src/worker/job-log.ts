/**
 * What the worker's log lines about a job say, in one place: which job and attempt, and the
 * job's trace id when it has one, so every line about a job (its start, its end, a retry,
 * what its handler logged) can be found by the request that created it.
 */
import type { Logger } from '../core/logger.js';
import type { JobFinish, JobRecord } from '../core/types.js';

export interface JobLogFields {
  jobId: string;
  task: string;
  attempt: number;
  traceId?: string;
}

/** The fields of every line about `job`; `traceId` only when the job has one. */
export function jobFields(job: JobRecord): JobLogFields {
  const fields: JobLogFields = { jobId: job.id, task: job.task, attempt: job.attempt };
  if (job.traceId) fields.traceId = job.traceId;
  return fields;
}

/**
 * Logs how an attempt ended once its finish is written: a success and a release (handed back
 * on shutdown) at debug level, a retry and a cancellation at info, a job failed for good at
 * warn.
 */
export function logFinish(logger: Logger, job: JobRecord, finish: JobFinish): void {
  const quiet = finish.outcome === 'succeeded' || finish.outcome === 'released';
  // Most finishes are successes, logged at debug: build their line only when it is written.
  if (quiet && !logger.isLevelEnabled('debug')) return;
  const fields = jobFields(job);
  const durationMs = finish.finishedAt.getTime() - finish.startedAt.getTime();
  const error = finish.error?.message;
  if (finish.outcome === 'succeeded') logger.debug({ ...fields, durationMs }, 'job succeeded');
  else if (finish.outcome === 'released') logger.debug({ ...fields, retryInMs: finish.retryDelayMs }, 'job released for another attempt');
  else if (finish.state === 'pending') logger.info({ ...fields, outcome: finish.outcome, error, retryInMs: finish.retryDelayMs, durationMs }, 'attempt failed; job retried later');
  else if (finish.state === 'cancelled') logger.info({ ...fields, durationMs }, 'job cancelled while running');
  else logger.warn({ ...fields, outcome: finish.outcome, error, durationMs }, 'job failed');
}
