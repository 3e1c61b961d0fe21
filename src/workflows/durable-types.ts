/**
 * The shapes a durable function sees: its context (`ctx.step`, `ctx.sleep`, …), the outcome of
 * an event wait, a spawned child's handle, and the options of `defineWorkflow`.
 */
import type { ZodType } from 'zod';
import type { RetryPolicy } from '../core/retry.js';
import type { Json } from '../core/types.js';
import type { TaskDefinition } from '../tasks/define.js';
import type { Workflow } from './define.js';

/** What `ctx.waitForEvent` resolves with (and records): the event's payload, or the timeout. */
export type EventWait<P = Json> = { status: 'received'; payload: P } | { status: 'timed_out' };

export const CHILD_HANDLE = Symbol.for('ordo.durable.child');

/** A run started by `ctx.spawn`. */
export interface ChildHandle<R = Json> {
  readonly [CHILD_HANDLE]: true;
  readonly runId: string;
  /**
   * The child run's output once it succeeded; throws an error naming the child run when it
   * failed or was cancelled; suspends the function while it still runs.
   */
  result(): Promise<R>;
}

/** What `ctx.all` resolves each item to: a handle's result, or a promise's value (a promised handle: its result). */
export type Settled<T> = Awaited<T> extends ChildHandle<infer R> ? R : Awaited<T>;

export interface DurableStepOptions {
  /** Attempts of this step and the backoff between them. @defaultValue the function's `stepRetry` */
  retry?: Partial<RetryPolicy>;
}

/** What a spawn may start: a task (run as a one-step workflow), a workflow, or a name of either. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a task or workflow of any input can be spawned
export type SpawnTarget = TaskDefinition<any, any> | Workflow<any, any> | string;

/**
 * A durable function's context. Every call is recorded as a checkpoint, numbered in the order
 * the function makes it; a replay returns recorded outcomes without running the work again,
 * so the function must make the same calls in the same order on every replay.
 */
export interface DurableContext {
  readonly runId: string;
  /** Fires on timeout, cancellation, lost lease and worker shutdown. */
  readonly signal: AbortSignal;
  /** Records a line in this attempt's history. */
  log(message: string): void;
  /**
   * Runs `fn` once for the run: its (JSON) result is recorded and returned by every later
   * replay. A failure is retried per `retry` (the step alone, not the function); once the
   * attempts are used up it is thrown into the function, now and on every replay.
   */
  step<T>(name: string, fn: () => T | PromiseLike<T>, options?: DurableStepOptions): Promise<T>;
  /** Suspends the function (its worker slot is freed) for a duration: ms or `30s`, `5m`, … */
  sleep(duration: number | string): Promise<void>;
  /** Suspends the function until a time (a Date, ISO 8601 or epoch seconds). */
  sleepUntil(time: Date | string | number): Promise<void>;
  /**
   * Waits for `ordo.emit(key, payload)`: an event emitted before the wait counts. Resolves
   * `{ status: 'timed_out' }` once `timeout` passed without one.
   */
  waitForEvent<P = Json>(key: string, options: { timeout: number | string }): Promise<EventWait<P>>;
  /** Starts a child run (once: a replay gets the same child); await `handle.result()` for its output. */
  spawn<R = Json>(target: SpawnTarget, payload?: unknown): Promise<ChildHandle<R>>;
  /** Awaits every handle's result and every promise; suspends once if any child is unfinished. */
  all<const T extends readonly unknown[]>(items: T): Promise<{ -readonly [K in keyof T]: Settled<T[K]> }>;
}

export type DurableHandler<Input, Output> = (input: Input, ctx: DurableContext) => Output | PromiseLike<Output>;

export interface DurableOptions<Input> {
  /** Queue of the function's job. @defaultValue 'default' */
  queue?: string;
  /** @defaultValue 0 */
  priority?: number;
  /** Attempts of the function itself (an error it does not catch). @defaultValue DEFAULT_RETRY */
  retry?: Partial<RetryPolicy>;
  /** Longest time one replay of the function may take (ms or a duration such as `5m`). */
  timeout?: number | string;
  /** Checks the run's input at start; the function receives what the schema makes of it. */
  input?: ZodType<Input>;
  description?: string;
  /** Most calls (steps, sleeps, waits, spawns) one run may make. @defaultValue 1000 */
  maxSteps?: number;
  /** Largest JSON result of a step, or of the function, in bytes. @defaultValue 1048576 (1 MiB) */
  maxResultBytes?: number;
  /** Attempts of each step and the backoff between them. @defaultValue { maxAttempts: 3 } with the default backoff */
  stepRetry?: Partial<RetryPolicy>;
}
