/**
 * Retry policy: how many attempts a job gets and how long it waits between them.
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries
 * of jobs that failed together spread out without ever retrying immediately.
 */
import { MAX_DURATION_MS } from './duration.js';
import { ValidationError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. @defaultValue 5 */
  maxAttempts: number;
  /**
   * Scale of the delay before the first retry, which waits from half of it to all of it;
   * doubles each attempt. @defaultValue 1000
   */
  baseMs: number;
  /** Upper bound for one delay (which waits from half of it to all of it). @defaultValue 600000 (10 minutes) */
  capMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = { maxAttempts: 5, baseMs: 1_000, capMs: 600_000 };

/** Upper bound accepted for `maxAttempts`. */
export const MAX_ATTEMPTS_LIMIT = 1_000;

/**
 * Delay before the next attempt, after `attempt` (1-based) failed: from half to all of
 * `min(capMs, baseMs * 2^(attempt - 1))`. `random` is injectable so tests can pin the jitter.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 40);
  const full = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.round(full / 2 + random() * (full / 2));
}

/**
 * Validates a whole or partial policy, naming the bad field and its bounds. Delays are
 * bounded like durations (100 years): a longer one would put the retry past what a Date holds.
 */
export function checkRetryPolicy(policy: Partial<RetryPolicy>, prefix = 'retry'): void {
  const { maxAttempts, baseMs, capMs } = policy;
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1 && maxAttempts <= MAX_ATTEMPTS_LIMIT)) {
    throw new ValidationError(`${prefix}.maxAttempts`, `a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`, maxAttempts);
  }
  for (const [name, value] of [['baseMs', baseMs], ['capMs', capMs]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= MAX_DURATION_MS)) {
      throw new ValidationError(`${prefix}.${name}`, `a number of milliseconds from 0 to ${MAX_DURATION_MS} (100 years)`, value);
    }
  }
}
