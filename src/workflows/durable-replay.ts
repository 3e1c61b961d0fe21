/**
 * One replay of a durable function: the run's checkpoints are read once, and each call the
 * function makes takes the next position (`seq`, from 0). A recorded outcome is returned
 * without doing the work again; new work is done and recorded (fenced: a write the store
 * refuses means this attempt lost the job). A wait that is not over yet suspends the
 * function: the job is released, uncharged, until it is over or it is time to look again.
 *
 * What stops a replay is remembered here, not only thrown: a function may catch what a call
 * throws, yet a suspension, a lost fence or a changed function must still end the attempt
 * (`interrupt()`, read by the driver once the function returns).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PermanentError, ValidationError } from '../core/errors.js';
import { parseDuration, parseTime } from '../core/duration.js';
import { backoffDelay, checkRetryPolicy, type RetryPolicy } from '../core/retry.js';
import type { ErrorInfo, Json } from '../core/types.js';
import type { Checkpoint, CheckpointKind, CheckpointWrite } from '../core/workflow-types.js';
import { toJsonResult, type TaskContext } from '../tasks/define.js';
import { FenceLostSignal, SuspendSignal, type DurableHost } from './durable-host.js';
import { startChild } from './durable-spawn.js';
import { CHILD_HANDLE, type ChildHandle, type DurableContext, type DurableStepOptions, type EventWait, type SpawnTarget } from './durable-types.js';

/**
 * First re-check of an event or child wait; doubles per re-check up to `RECHECK_MAX_MS`. The
 * wakes are transactional on both engines (an emit, a child's end, a release that finds its
 * wait over), so a re-check is only a safety net: rare enough that a thousand waiting
 * functions do not come back for worker slots every few seconds.
 */
export const RECHECK_MIN_MS = 60_000;
export const RECHECK_MAX_MS = 10 * 60_000;
/** Longest step name or event key (event keys as `ordo.emit` takes them). */
const MAX_NAME_LENGTH = 500;

/**
 * The step whose `fn` is running, in that `fn`'s async context: a ctx call made from inside a
 * step's work would take a position on the first run and none on a replay (the step's
 * recorded result is returned without running it), shifting every later position.
 */
const insideStep = new AsyncLocalStorage<string>();

/** The settings of one function, resolved by `defineWorkflow`. */
export interface ReplaySettings {
  readonly name: string;
  readonly maxSteps: number;
  readonly maxResultBytes: number;
  readonly stepRetry: RetryPolicy;
}

/** How long a wait looks away after its `checks`-th re-check. */
export function recheckMs(checks: number): number {
  return Math.min(RECHECK_MIN_MS * 2 ** Math.min(checks, 20), RECHECK_MAX_MS);
}

export class Replay {
  private next = 0;
  private readonly recorded: Map<number, Checkpoint>;
  private fenceLost: Error | null = null;
  private fatal: Error | null = null;
  private suspension: { delayMs: number; why: string } | null = null;

  constructor(
    private readonly host: DurableHost,
    private readonly runId: string,
    private readonly settings: ReplaySettings,
    checkpoints: readonly Checkpoint[],
    private readonly task: TaskContext,
  ) {
    this.recorded = new Map(checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  }

  /** What ends this attempt whatever the function did with it: a lost fence, a changed function, a suspension. */
  interrupt(): Error | null {
    if (this.fenceLost) return this.fenceLost;
    if (this.fatal) return this.fatal;
    return this.suspension ? new SuspendSignal(this.suspension.delayMs, this.suspension.why) : null;
  }

  /** A result as JSON, refused (for good) over `maxResultBytes`. */
  checkedResult(value: unknown, what: string): Json {
    const json = toJsonResult(value);
    const bytes = Buffer.byteLength(JSON.stringify(json) ?? 'null');
    if (bytes > this.settings.maxResultBytes) {
      throw this.failFor(new PermanentError(`${what} of durable function ${this.settings.name} is ${bytes} bytes of JSON, over its maxResultBytes (${this.settings.maxResultBytes}); store large data elsewhere and return a reference`));
    }
    return json;
  }

  context(): DurableContext {
    return {
      runId: this.runId,
      signal: this.task.signal,
      log: (message) => this.task.log(message),
      step: (name, fn, options) => this.step(name, fn, options),
      sleep: (duration) => this.sleep(duration),
      sleepUntil: (time) => this.sleepUntil(time),
      waitForEvent: (key, options) => this.waitForEvent(key, options),
      spawn: (target, payload) => this.spawn(target, payload),
      all: (items) => this.all(items),
    } as DurableContext;
  }

  private async step<T>(name: string, fn: () => T | PromiseLike<T>, options: DurableStepOptions = {}): Promise<T> {
    checkName(name, 'ctx.step(name)');
    if (typeof fn !== 'function') throw new ValidationError(`ctx.step(${name}, fn)`, 'a function', fn);
    if (options.retry) checkRetryPolicy(options.retry, `ctx.step(${name}).retry`);
    const policy = { ...this.settings.stepRetry, ...options.retry };
    const { seq, recorded } = this.claim('step', name);
    if (recorded?.state === 'succeeded') return recorded.result as T;
    if (recorded?.state === 'failed') throw errorOf(recorded.error);
    // Woken before its backoff is over (a wake meant for another wait): wait out the rest.
    const backoffLeft = recorded?.state === 'retrying' && recorded.waitUntil ? recorded.waitUntil.getTime() - Date.now() : 0;
    if (backoffLeft > 0) throw this.suspend(backoffLeft, `step "${name}" waits to be retried`);
    const attempts = (recorded?.attempts ?? 0) + 1;
    const base = { seq, name, kind: 'step' as const, eventKey: null, childRunId: null };
    let result: Json;
    try {
      result = toJsonResult(await insideStep.run(name, fn));
    } catch (err) {
      // Aborted (timeout, cancellation, shutdown): not a failure of the step's work.
      this.throwIfInterrupted();
      const error = errorInfo(err);
      if (!isPermanent(err) && attempts < policy.maxAttempts) {
        const delayMs = backoffDelay(attempts, policy);
        await this.write({ ...base, state: 'retrying', result: null, error, attempts, waitUntil: new Date(Date.now() + delayMs) });
        throw this.suspend(delayMs, `step "${name}" failed (attempt ${attempts} of ${policy.maxAttempts}); retried after its backoff`);
      }
      await this.write({ ...base, state: 'failed', result: null, error, attempts, waitUntil: null });
      throw err;
    }
    const checked = this.checkedResult(result, `the result of step "${name}"`);
    await this.write({ ...base, state: 'succeeded', result: checked, error: null, attempts, waitUntil: null });
    return checked as T;
  }

  private sleep(duration: number | string): Promise<void> {
    const ms = parseDuration(duration, 'ctx.sleep(duration)');
    return this.sleepTo(() => new Date(Date.now() + ms));
  }

  private sleepUntil(time: Date | string | number): Promise<void> {
    const at = parseTime(time, 'ctx.sleepUntil(time)');
    return this.sleepTo(() => at);
  }

  /** `until` is computed on the first pass only: a replay sleeps until the recorded time. */
  private async sleepTo(until: () => Date): Promise<void> {
    const { seq, recorded } = this.claim('sleep', 'sleep');
    if (recorded?.state === 'succeeded') return;
    const waitUntil = recorded?.waitUntil ?? until();
    const base = { seq, name: 'sleep', kind: 'sleep' as const, result: null, error: null, attempts: 0, waitUntil, eventKey: null, childRunId: null };
    const left = waitUntil.getTime() - Date.now();
    if (left <= 0) return void (await this.write({ ...base, state: 'succeeded' }));
    if (!recorded) await this.write({ ...base, state: 'waiting' });
    throw this.suspend(left, `sleeping until ${waitUntil.toISOString()}`);
  }

  private async waitForEvent<P>(key: string, options: { timeout: number | string }): Promise<EventWait<P>> {
    checkName(key, 'ctx.waitForEvent(key)');
    if (typeof options !== 'object' || options === null) throw new ValidationError(`ctx.waitForEvent(${key}, options)`, 'an object with a timeout ({ timeout: "1h" })', options);
    const timeoutMs = parseDuration(options.timeout, `ctx.waitForEvent(${key}).timeout`);
    const { seq, recorded } = this.claim('event', key);
    if (recorded?.state === 'succeeded') return recorded.result as EventWait<P>;
    const waitUntil = recorded?.waitUntil ?? new Date(Date.now() + timeoutMs);
    const checks = recorded ? recorded.attempts + 1 : 0;
    const base = { seq, name: key, kind: 'event' as const, error: null, attempts: checks, waitUntil, eventKey: key, childRunId: null };
    const done = async (outcome: EventWait<Json>): Promise<EventWait<P>> => {
      await this.write({ ...base, state: 'succeeded', result: outcome as Json });
      return outcome as EventWait<P>;
    };
    const event = await this.host.store.eventGet({ key });
    if (event) return done({ status: 'received', payload: event.payload });
    if (waitUntil.getTime() <= Date.now()) return done({ status: 'timed_out' });
    await this.write({ ...base, state: 'waiting', result: null });
    // An emit between the read above and the write just made found no waiting checkpoint to
    // wake: read once more now that the wait is recorded.
    const late = await this.host.store.eventGet({ key });
    if (late) return done({ status: 'received', payload: late.payload });
    // An emit after this read wakes the job once it is released; one that lands before the
    // release is written finds the job running, and the release itself sees the event.
    throw this.suspend(Math.min(waitUntil.getTime() - Date.now(), recheckMs(checks)), `waiting for event "${key}"`);
  }

  private async spawn<R>(target: SpawnTarget, payload: unknown): Promise<ChildHandle<R>> {
    const name = targetName(target);
    const { seq, recorded } = this.claim('spawn', name);
    if (recorded?.childRunId) {
      // A child that ended is recorded now, awaited or not: a wait left `waiting` on an ended
      // child would make every release of this function due at once.
      if (recorded.state === 'waiting') await this.settleChild(recorded, recorded.childRunId, name);
      return this.handle<R>(seq, recorded.childRunId, name);
    }
    // The unique key makes a start after a crash (between the start and the checkpoint) find
    // the child started before instead of starting another.
    const childRunId = await startChild(this.host, target, payload, { parentRunId: this.runId, uniqueKey: `spawn:${this.runId}:${seq}`, traceId: this.task.traceId });
    await this.write({ seq, name, kind: 'spawn', state: 'waiting', result: null, error: null, attempts: 0, waitUntil: null, eventKey: null, childRunId });
    return this.handle<R>(seq, childRunId, name);
  }

  private handle<R>(seq: number, runId: string, name: string): ChildHandle<R> {
    return { [CHILD_HANDLE]: true, runId, result: () => this.childResult(seq, runId, name) as Promise<R> };
  }

  private async childResult(seq: number, childRunId: string, name: string): Promise<Json> {
    let recorded = this.recorded.get(seq)!;
    if (recorded.state === 'waiting' && (await this.settleChild(recorded, childRunId, name))) recorded = this.recorded.get(seq)!;
    if (recorded.state === 'succeeded') return recorded.result;
    if (recorded.state === 'failed') throw errorOf(recorded.error);
    const checks = recorded.attempts + 1;
    await this.write({ ...recorded, attempts: checks });
    // A child that ended between the read above and the write just made woke nothing (this
    // job was running): read once more.
    if (await this.settleChild(this.recorded.get(seq)!, childRunId, name)) return this.childResult(seq, childRunId, name);
    throw this.suspend(recheckMs(checks), `waiting for child run ${childRunId} (${name})`);
  }

  /** Records the child's end (its output, or an error naming it) once it ended; false while it runs. */
  private async settleChild(recorded: Checkpoint, childRunId: string, name: string): Promise<boolean> {
    const run = await this.host.store.workflowRunGet({ id: childRunId });
    if (run?.state === 'running') return false;
    if (run?.state === 'succeeded') {
      const value = this.checkedResult(run.output, `the output of child run ${childRunId} (${name})`);
      await this.write({ ...recorded, state: 'succeeded', result: value, error: null });
      return true;
    }
    const why = run ? `${run.state}${run.error ? `: ${run.error.message}` : ''}` : 'no longer exists';
    const error = new Error(`child run ${childRunId} (${name}) of run ${this.runId} ${why}`);
    error.name = 'ChildRunError';
    await this.write({ ...recorded, state: 'failed', result: null, error: errorInfo(error) });
    return true;
  }

  private async all(items: readonly unknown[]): Promise<unknown[]> {
    if (!Array.isArray(items)) throw new ValidationError('ctx.all(items)', 'an array of child handles or promises', items);
    const settled = await Promise.allSettled(items.map(async (item) => {
      const value = await item;
      return isChildHandle(value) ? value.result() : value;
    }));
    this.throwIfInterrupted();
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
  }

  /** The next position, checked against what the run recorded there. */
  private claim(kind: CheckpointKind, name: string): { seq: number; recorded: Checkpoint | undefined } {
    this.throwIfInterrupted();
    const outer = insideStep.getStore();
    if (outer !== undefined) {
      throw this.failFor(
        new PermanentError(`${describe(kind, name)} was called inside the work of step "${outer}" of ${this.settings.name}; call ctx methods from the function itself, not from inside a ctx.step`),
      );
    }
    const seq = this.next++;
    if (seq >= this.settings.maxSteps) {
      throw this.failFor(new PermanentError(`durable function ${this.settings.name} reached its call number ${seq + 1} (${describe(kind, name)}), over its maxSteps (${this.settings.maxSteps})`));
    }
    const recorded = this.recorded.get(seq);
    if (recorded && (recorded.kind !== kind || recorded.name !== name)) {
      throw this.failFor(
        new PermanentError(`replay of ${this.settings.name} reached ${describe(kind, name)} at position ${seq} where the run recorded ${describe(recorded.kind, recorded.name)}; the function changed under a running run`),
      );
    }
    return { seq, recorded };
  }

  private async write(checkpoint: CheckpointWrite): Promise<void> {
    const { store, jobId, attempt, workerId } = this.host;
    let written: boolean;
    try {
      written = await store.checkpointWrite({ runId: this.runId, jobId, attempt, workerId, checkpoint, maxSteps: this.settings.maxSteps, maxResultBytes: this.settings.maxResultBytes });
    } catch (err) {
      // The limits, checked by the store too: a retry cannot make the checkpoint fit.
      if (err instanceof ValidationError) throw this.failFor(new PermanentError(err.message, { cause: err }));
      throw err;
    }
    if (!written) {
      this.fenceLost ??= new FenceLostSignal(this.runId, checkpoint.seq);
      throw this.fenceLost;
    }
    const now = new Date();
    const previous = this.recorded.get(checkpoint.seq);
    const ended = checkpoint.state === 'succeeded' || checkpoint.state === 'failed';
    this.recorded.set(checkpoint.seq, { ...checkpoint, startedAt: previous?.startedAt ?? now, finishedAt: ended ? now : null });
  }

  private suspend(delayMs: number, why: string): Error {
    const delay = Math.max(0, Math.ceil(delayMs));
    // Several waits at once (`ctx.all`): the job comes back for the earliest.
    if (!this.suspension || delay < this.suspension.delayMs) this.suspension = { delayMs: delay, why };
    return this.interrupt()!;
  }

  private failFor(error: Error): Error {
    this.fatal ??= error;
    return this.fatal;
  }

  private throwIfInterrupted(): void {
    const interrupt = this.interrupt();
    if (interrupt) throw interrupt;
    // The attempt was aborted (timeout, cancellation, shutdown): record nothing more, start no more work.
    if (this.task.signal.aborted) throw this.task.signal.reason;
  }
}

function checkName(name: unknown, field: string): void {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) throw new ValidationError(field, `a non-empty string of at most ${MAX_NAME_LENGTH} characters`, name);
}

function targetName(target: SpawnTarget): string {
  if (typeof target === 'string') return target;
  if (target && typeof target === 'object' && typeof (target as { name?: unknown }).name === 'string') return (target as { name: string }).name;
  throw new ValidationError('ctx.spawn(target)', 'a task, a workflow, or the name of one', target);
}

function describe(kind: CheckpointKind, name: string): string {
  switch (kind) {
    case 'step':
      return `step "${name}"`;
    case 'sleep':
      return 'a sleep';
    case 'event':
      return `a wait for event "${name}"`;
    case 'spawn':
      return `a spawn of "${name}"`;
  }
}

function isChildHandle(value: unknown): value is ChildHandle {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[CHILD_HANDLE] === true;
}

/** Recognised by code and by name, like the worker does: a task module may load its own copy of Ordo. */
function isPermanent(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'permanent' || code === 'invalid_argument' || (err as Error)?.name === 'PermanentError';
}

/** A thrown value as the error a checkpoint keeps. */
function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack.slice(0, 8_000) } : {}) };
  return { message: typeof err === 'string' ? err : `non-error thrown: ${JSON.stringify(err) ?? String(err)}` };
}

/** A recorded error as what a replay throws: the same name and message as the first time. */
function errorOf(info: ErrorInfo | null): Error {
  const error = new Error(info?.message ?? 'failed (no error recorded)');
  if (info?.name) error.name = info.name;
  if (info?.stack) error.stack = info.stack;
  return error;
}
