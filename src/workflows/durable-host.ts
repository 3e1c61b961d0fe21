/**
 * What a durable function's driver needs from the worker that runs it, and how it tells the
 * worker to set the job aside. Internal: the worker puts a `DurableHost` on the task context
 * under a symbol (not part of `TaskContext`'s public shape), and recognises the signals below
 * when the handler throws them.
 *
 * Symbols and signals are recognised by their registered key and name rather than by
 * identity: a task module may load its own copy of Ordo (as `PermanentError` is recognised).
 */
import type { Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';

export const DURABLE_HOST = Symbol.for('ordo.durable.host');

/** The store and the fence of the running attempt: checkpoint writes are fenced like a finish. */
export interface DurableHost {
  readonly store: Store;
  /** The worker's tasks and workflows: what `ctx.spawn` of a name resolves against. */
  readonly tasks: TaskRegistry;
  readonly jobId: string;
  readonly attempt: number;
  readonly workerId: string;
}

/** The host the worker put on a task context, or null (the handler runs elsewhere). */
export function durableHostOf(ctx: object): DurableHost | null {
  return ((ctx as Record<symbol, unknown>)[DURABLE_HOST] as DurableHost | undefined) ?? null;
}

const SUSPEND = 'OrdoDurableSuspend';
const FENCE_LOST = 'OrdoDurableFenceLost';

/**
 * Thrown out of the driver when the function waits (a sleep, an event, a child run, a step's
 * backoff): the worker releases the job, uncharged, to be claimed again after `delayMs`.
 */
export class SuspendSignal extends Error {
  override readonly name = SUSPEND;
  constructor(
    readonly delayMs: number,
    why: string,
  ) {
    super(`suspended for ${delayMs} ms: ${why}`);
  }
}

/** Thrown out of the driver when a checkpoint write was refused: the attempt no longer holds the job. */
export class FenceLostSignal extends Error {
  override readonly name = FENCE_LOST;
  constructor(runId: string, seq: number) {
    super(`checkpoint ${seq} of run ${runId} was refused: this attempt no longer holds the job (its lease was lost)`);
  }
}

/** The delay a thrown value asks the job to be released for, or null when it is no suspension. */
export function suspendDelayOf(err: unknown): number | null {
  if (!(err instanceof Error) || err.name !== SUSPEND) return null;
  const delayMs = (err as SuspendSignal).delayMs;
  return typeof delayMs === 'number' && delayMs >= 0 ? delayMs : 0;
}

export function isFenceLost(err: unknown): boolean {
  return err instanceof Error && err.name === FENCE_LOST;
}
