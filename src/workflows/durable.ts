/**
 * Durable functions: `defineWorkflow(name, async (input, ctx) => …)`. A run of one is a
 * workflow run of kind `function` with one step, `main`, whose job (the task named as the
 * workflow) runs the function. Each `ctx` call is recorded as a checkpoint, so the function
 * survives restarts: every attempt replays it from the start, taking recorded outcomes instead
 * of doing the work again (see ./durable-replay.ts). Waiting (sleep, event, child run) frees
 * the worker's slot: the job is released until the wait is over or something wakes it.
 *
 * A `DurableWorkflow` is a `Workflow` of that one step, so everything that holds, stores and
 * starts workflows (the registry, the worker, `ordo.workflows.start`) takes it unchanged.
 */
import { PermanentError, ValidationError } from '../core/errors.js';
import { checkRetryPolicy, DEFAULT_RETRY, type RetryPolicy } from '../core/retry.js';
import type { Json } from '../core/types.js';
import type { WorkflowDefinition } from '../core/workflow-types.js';
import { defineTask, type TaskContext, type TaskDefinition } from '../tasks/define.js';
import { Workflow } from './define.js';
import { durableHostOf } from './durable-host.js';
import { Replay, type ReplaySettings } from './durable-replay.js';
import type { DurableHandler, DurableOptions } from './durable-types.js';
import type { TaskLookup } from './resolve.js';

/** Most calls one run may make, unless `maxSteps` says otherwise. */
export const DEFAULT_MAX_STEPS = 1_000;
/** Largest step result, unless `maxResultBytes` says otherwise: 1 MiB. */
export const DEFAULT_MAX_RESULT_BYTES = 1_048_576;
/** A step's attempts unless its `retry` or the function's `stepRetry` says otherwise. */
export const DEFAULT_STEP_RETRY: Readonly<RetryPolicy> = { ...DEFAULT_RETRY, maxAttempts: 3 };

/** A durable function as code; its run is a workflow run of kind `function`. Build one with `defineWorkflow`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no input schema: the input is whatever the caller gives
export class DurableWorkflow<Input = any, Output = unknown> extends Workflow<Input, { main: Awaited<Output> }> {
  /** @internal Use `defineWorkflow(name, fn, options)`. */
  constructor(
    name: string,
    readonly durable: DurableOptions<Input> & ReplaySettings,
    driver: TaskDefinition<Input, Json>,
  ) {
    const job = {};
    super(name, { description: durable.description, input: durable.input }, [{ name: 'main', task: driver, dependsOn: [], map: null, condition: null, job }], 'main');
  }

  /** The stored shape: one step, `main`, with the function's job settings; kind `function`. */
  override definition(tasks?: TaskLookup): WorkflowDefinition {
    return { ...super.definition(tasks), kind: 'function' };
  }

  // A durable function's steps are `ctx.step` calls inside it, not builder steps.
  override step(): never {
    throw new ValidationError(`workflow ${this.name}.step`, 'ctx.step(...) inside the function (a durable function has no builder steps)', 'a builder step');
  }

  override map(): never {
    throw new ValidationError(`workflow ${this.name}.map`, 'ctx.spawn and ctx.all inside the function (a durable function has no builder steps)', 'a map step');
  }

  override output(): never {
    throw new ValidationError(`workflow ${this.name}.output`, 'the function\'s return value (it is the run\'s output)', 'an output step');
  }
}

/**
 * Declares a durable function.
 * @example
 * export const onboard = defineWorkflow('onboard', async (input: { email: string }, ctx) => {
 *   const user = await ctx.step('create-user', () => createUser(input.email));
 *   await ctx.sleep('1d');
 *   const reply = await ctx.waitForEvent(`verified:${user.id}`, { timeout: '7d' });
 *   return reply.status;
 * });
 */
export function defineWorkflow<Input, Output>(name: string, fn: DurableHandler<Input, Output>, options: DurableOptions<Input> = {}): DurableWorkflow<Input, Output> {
  const field = (option: string) => `defineWorkflow(${name}).${option}`;
  if (typeof fn !== 'function') throw new ValidationError(field('fn'), 'an async function (input, ctx) => …', fn);
  if (typeof options !== 'object' || options === null) throw new ValidationError(field('options'), 'an object', options);
  const settings: ReplaySettings = {
    name,
    maxSteps: checkWhole(options.maxSteps ?? DEFAULT_MAX_STEPS, field('maxSteps'), 1, 1_000_000),
    maxResultBytes: checkWhole(options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES, field('maxResultBytes'), 1, 64 * 1_048_576),
    stepRetry: { ...DEFAULT_STEP_RETRY, ...(options.stepRetry ? (checkRetryPolicy(options.stepRetry, field('stepRetry')), options.stepRetry) : {}) },
  };
  const { queue, priority, retry, timeout, description, input } = options;
  const taskOptions = Object.fromEntries(Object.entries({ queue, priority, retry, timeout, description, schema: input }).filter(([, value]) => value !== undefined));
  // defineTask checks the name and the job settings, naming `defineTask(<name>)`.
  const driver = defineTask<Input, Json>(name, taskOptions, (payload, ctx) => drive(fn, payload, ctx, settings));
  return new DurableWorkflow<Input, Output>(name, { ...options, ...settings }, driver);
}

/** One attempt of the function: a replay over the run's checkpoints. */
async function drive<Input, Output>(fn: DurableHandler<Input, Output>, input: Input, task: TaskContext, settings: ReplaySettings): Promise<Json> {
  const host = durableHostOf(task);
  if (!task.workflow) {
    throw new PermanentError(`task ${settings.name} is the durable function ${settings.name}: start it as a workflow run (ordo.workflows.start('${settings.name}', input)), not as a job`);
  }
  if (!host) throw new PermanentError(`durable function ${settings.name} runs only on an Ordo worker (its checkpoints need the worker's store)`);
  const checkpoints = await host.store.checkpointList({ runId: task.workflow.runId });
  const replay = new Replay(host, task.workflow.runId, settings, checkpoints, task);
  let result: Output;
  try {
    result = await fn(input, replay.context());
  } catch (err) {
    throw replay.interrupt() ?? err;
  }
  const interrupt = replay.interrupt();
  if (interrupt) throw interrupt;
  return replay.checkedResult(result, 'the return value');
}

function checkWhole(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(field, `a whole number from ${min} to ${max}`, value);
  return value;
}

/** True for a `defineWorkflow(...)` (from any copy of Ordo a module loaded). */
export function isDurableWorkflow(value: unknown): value is DurableWorkflow {
  return value instanceof DurableWorkflow || (typeof value === 'object' && value !== null && 'durable' in value && typeof (value as { definition?: unknown }).definition === 'function');
}

export type { ChildHandle, DurableContext, DurableHandler, DurableOptions, DurableStepOptions, EventWait, SpawnTarget } from './durable-types.js';
