/**
 * Turns what a caller passes to `enqueue` into a fully resolved `JobInsert`: job options
 * first, then the task's own options (when the task is known here), then defaults.
 * Every rejection names the field, the expected form and the value received.
 */
import { LIMITS } from '../core/defaults.js';
import { checkTimeout, parseDuration, parseTime } from '../core/duration.js';
import { checkPriority, checkQueueName, checkTaskName } from '../core/names.js';
import { ValidationError } from '../core/errors.js';
import { DEFAULT_RETRY, checkRetryPolicy, type RetryPolicy } from '../core/retry.js';
import type { Json, JobInsert, JsonObject } from '../core/types.js';
import type { CallerTransaction } from '../store/contract.js';
import type { TaskDefinition } from '../tasks/define.js';
import { taskTimeoutMs, validatePayload } from '../tasks/registry.js';
import { checkConcurrencyKey } from './flow.js';

export interface EnqueueOptions {
  /** @defaultValue the task's queue, else 'default' */
  queue?: string;
  /** Lower runs first within a queue. @defaultValue the task's priority, else 0 */
  priority?: number;
  /** Run after this long: milliseconds or a duration such as `2h10m20s`. */
  delay?: number | string;
  /** Run at this time: a Date, ISO 8601 text or epoch seconds. */
  runAt?: Date | string | number;
  /** Attempts in all. @defaultValue the task's `retry.maxAttempts`, else 5 */
  maxAttempts?: number;
  /** Backoff between attempts, overriding the task's. */
  retry?: Partial<Pick<RetryPolicy, 'baseMs' | 'capMs' | 'maxAttempts'>>;
  /** While a job with this key is pending or running, enqueueing it again returns that job. */
  uniqueKey?: string;
  /**
   * With `uniqueKey`: a window (milliseconds or a duration such as `10m`) during which
   * enqueueing the key again returns the job created first, even after it finished. A client
   * that retries a submission it thinks was lost gets one job, not two.
   */
  uniqueFor?: number | string;
  /** Abort an attempt after this long: milliseconds or a duration. */
  timeout?: number | string;
  /**
   * A label tying the job to what asked for it (a request id): stored with the job, carried
   * by the worker's log lines about it and given to the handler as `ctx.traceId`. At most
   * 200 characters, no control characters.
   */
  traceId?: string;
  /**
   * The key the queue's per-key limits and turns apply to (a customer id…): 1 to 200
   * characters, no control characters. @defaultValue the task's `concurrencyKey(payload)`, else none
   */
  concurrencyKey?: string;
  /**
   * Keep only the last of a burst: while a job with this `key` is pending, enqueueing again
   * replaces its payload and moves its run `for` (milliseconds or a duration) from now, so it
   * runs once the key has been quiet that long. Not with `delay`, `runAt`, `uniqueKey` or `throttle`.
   */
  debounce?: { key: string; for: number | string };
  /**
   * Keep only the first: enqueueing the `key` again within `for` of the first job returns that
   * job (a `uniqueKey` kept unique `for` that long). Not with `uniqueKey`.
   */
  throttle?: { key: string; for: number | string };
  /**
   * PostgreSQL only: the caller's client inside its own open transaction. The job exists if
   * and only if that transaction commits.
   */
  tx?: CallerTransaction;
}

/** Checks that a payload is a JSON object and returns its JSON form. */
export function checkPayload(payload: unknown, field = 'payload'): JsonObject {
  if (payload === undefined) return {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ValidationError(field, 'a JSON object such as {"email":"a@b.com"}', payload);
  }
  try {
    return JSON.parse(JSON.stringify(payload)) as JsonObject;
  } catch (err) {
    throw new ValidationError(field, 'a JSON-serialisable object', payload, (err as Error).message);
  }
}

/** No control characters: a trace id is printed in log lines, and must not be able to break one. */
const CONTROL = /\p{Cc}/u;

function checkTraceId(traceId: unknown): string {
  if (typeof traceId !== 'string' || traceId.length === 0 || traceId.length > LIMITS.maxTraceIdLength || CONTROL.test(traceId)) {
    throw new ValidationError('traceId', `a string of 1 to ${LIMITS.maxTraceIdLength} characters without control characters, such as a request id`, traceId);
  }
  return traceId;
}

export function resolveEnqueue(task: string, payload: unknown, options: EnqueueOptions, definition?: TaskDefinition): JobInsert {
  checkTaskName(task);
  const json: Json = checkPayload(payload);
  validatePayload(definition, json);
  const taskOptions = definition?.options ?? {};
  if (options.delay !== undefined && options.runAt !== undefined) {
    throw new ValidationError('delay', 'either delay or runAt, not both', { delay: options.delay, runAt: options.runAt });
  }
  const retry = { ...taskOptions.retry, ...options.retry };
  if (options.maxAttempts !== undefined) retry.maxAttempts = options.maxAttempts;
  checkRetryPolicy(retry, 'retry');
  const debounce = options.debounce === undefined ? null : checkDebounce(options);
  const { uniqueKey, uniqueForMs } = uniqueness(options);
  const concurrencyKey = options.concurrencyKey ?? taskOptions.concurrencyKey?.(json) ?? null;
  return {
    task,
    queue: checkQueueName(options.queue ?? taskOptions.queue ?? 'default'),
    payload: json,
    priority: checkPriority(options.priority ?? taskOptions.priority ?? 0),
    runAt: options.runAt === undefined ? null : parseTime(options.runAt, 'runAt'),
    delayMs: options.delay === undefined ? 0 : parseDuration(options.delay, 'delay'),
    maxAttempts: retry.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    timeoutMs: options.timeout === undefined ? taskTimeoutMs(definition) : checkTimeout(options.timeout, 'timeout'),
    backoffBaseMs: options.retry?.baseMs ?? null,
    backoffCapMs: options.retry?.capMs ?? null,
    uniqueKey,
    uniqueForMs,
    traceId: options.traceId === undefined ? null : checkTraceId(options.traceId),
    concurrencyKey: concurrencyKey === null ? null : checkConcurrencyKey(concurrencyKey, options.concurrencyKey === undefined ? `${task}.concurrencyKey(payload)` : 'concurrencyKey'),
    ...(debounce ? { debounce } : {}),
  };
}

const MAX_UNIQUE_KEY_LENGTH = 500;

function checkKey(key: unknown, field: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_UNIQUE_KEY_LENGTH) {
    throw new ValidationError(field, `a non-empty string of at most ${MAX_UNIQUE_KEY_LENGTH} characters`, key);
  }
  return key;
}

/** A window over zero (`debounce.for`, `throttle.for`). */
function checkWindow(value: unknown, field: string): number {
  const ms = parseDuration(value as number | string, field);
  if (ms <= 0) throw new ValidationError(field, 'a duration over zero, such as 5s or 1m', value);
  return ms;
}

function checkWindowed(value: unknown, field: string): { key: string; forMs: number } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, `an object such as { key: "report-42", for: "5s" }`, value);
  const { key, for: window } = value as { key?: unknown; for?: unknown };
  return { key: checkKey(key, `${field}.key`), forMs: checkWindow(window, `${field}.for`) };
}

/** The unique key and window: `uniqueKey`/`uniqueFor`, or a throttle's key and window. */
function uniqueness(options: EnqueueOptions): { uniqueKey: string | null; uniqueForMs: number | null } {
  if (options.throttle !== undefined) {
    if (options.uniqueKey !== undefined) throw new ValidationError('throttle', 'either throttle or uniqueKey, not both (a throttle is a unique key kept for its window)', { throttle: options.throttle, uniqueKey: options.uniqueKey });
    if (options.uniqueFor !== undefined) throw new ValidationError('throttle', 'either throttle or uniqueFor, not both (the throttle has its own window)', { throttle: options.throttle, uniqueFor: options.uniqueFor });
    const { key, forMs } = checkWindowed(options.throttle, 'throttle');
    return { uniqueKey: key, uniqueForMs: forMs };
  }
  const unique = options.uniqueKey === undefined ? null : checkKey(options.uniqueKey, 'uniqueKey');
  if (options.uniqueFor !== undefined && unique === null) {
    throw new ValidationError('uniqueFor', 'uniqueFor together with a uniqueKey (the key it keeps unique)', options.uniqueFor);
  }
  return { uniqueKey: unique, uniqueForMs: options.uniqueFor === undefined ? null : parseDuration(options.uniqueFor, 'uniqueFor') };
}

/** A debounce, refused with the options that would fight over when the job runs or which job wins. */
function checkDebounce(options: EnqueueOptions): { key: string; forMs: number } {
  for (const other of ['delay', 'runAt', 'uniqueKey', 'throttle'] as const) {
    if (options[other] !== undefined) throw new ValidationError('debounce', `either debounce or ${other}, not both (a debounce sets when its job runs, and which one runs)`, { debounce: options.debounce, [other]: options[other] });
  }
  return checkWindowed(options.debounce, 'debounce');
}
