/**
 * The workflow builder: `workflow(name).step(...).map(...).output(...)`. Each call returns a
 * new builder whose type knows every step so far and the type of its result, so `dependsOn`
 * accepts only known step names, and a condition or an inline handler receives its parents'
 * results typed. The builder holds code (handlers, conditions); `.definition()` turns it into
 * the plain, checked `WorkflowDefinition` the store keeps (see ./resolve.ts).
 */
import type { ZodType } from 'zod';
import { ValidationError } from '../core/errors.js';
import { checkTaskName } from '../core/names.js';
import type { RetryPolicy } from '../core/retry.js';
import type { WorkflowDefinition } from '../core/workflow-types.js';
import { defineTask, isTaskDefinition, type TaskContext, type TaskDefinition, type TaskHandler } from '../tasks/define.js';
import { resolveWorkflow, type BuiltStep, type Condition, type TaskLookup } from './resolve.js';

const WORKFLOW = Symbol.for('ordo.workflow');

/** What a dependant does when a parent did not succeed (see `EdgePolicy`). */
export type OnFailure = 'fail' | 'skip' | 'continue';

/**
 * A parent: its name, or its name with the edge's policy. `C`: the parents of `continue`
 * edges, whose result may be missing (the step runs whatever their outcome).
 */
export type Dependency<K extends string, C extends string = never> =
  | K
  | { readonly step: K; readonly onFailure?: 'fail' | 'skip' }
  | { readonly step: C; readonly onFailure: 'continue' };

/** The results of the named parents, by name; those of `continue` edges may be missing. */
export type ParentResults<Steps, D extends keyof Steps, C extends keyof Steps = never> = {
  [K in D as K extends C ? never : K]: Steps[K];
} & { [K in C]?: Steps[K] } extends infer P
  ? { [K in keyof P]: P[K] }
  : never;

/** What an inline step handler receives besides the run's input: `parents` typed. */
export type StepContext<Parents> = Omit<TaskContext, 'parents'> & { readonly parents: Parents };

export type InlineHandler<Input, Parents, R> = (input: Input, ctx: StepContext<Parents>) => R | PromiseLike<R>;

/** Job settings a step may set; unset ones come from its task, then the defaults. */
export interface StepJobOptions {
  queue?: string;
  priority?: number;
  retry?: Partial<RetryPolicy>;
  /** Milliseconds or a duration such as `30s`. */
  timeout?: number | string;
}

export interface StepOptions<Input, Steps, D extends keyof Steps & string, C extends keyof Steps & string = never> extends StepJobOptions {
  /** The parents: the step runs once they have all ended (and succeeded, unless a policy says otherwise). */
  dependsOn?: readonly Dependency<D, C>[];
  /**
   * The policy of the edges given by name only. @defaultValue 'fail'
   * With 'continue', those parents' results are still typed as present: write such a parent
   * as `{ step, onFailure: 'continue' }` to have its result typed as possibly missing.
   */
  onParentFailure?: OnFailure;
  /** Decides when the step's job starts whether the step runs; false ends it `skipped`. */
  when?: (parents: ParentResults<Steps, D, C>, input: Input) => boolean | PromiseLike<boolean>;
  /** The condition in words, shown as the skip reason. @defaultValue the function's source */
  whenText?: string;
}

export interface MapOptions<Steps, S extends keyof Steps & string, D extends keyof Steps & string, C extends keyof Steps & string = never> extends StepJobOptions {
  /** The parent whose array result is mapped: one job per element. */
  over: S;
  /** More parents besides `over`. */
  dependsOn?: readonly Dependency<D, C>[];
  onParentFailure?: OnFailure;
}

/** The element type of an array result. */
export type ElementOf<T> = T extends readonly (infer E)[] ? E : unknown;

/** Step options as the implementation reads them, whatever the step names. */
type LooseOptions = StepJobOptions & { dependsOn?: readonly Dependency<string, string>[]; onParentFailure?: OnFailure };

/** No steps yet. */
export type NoSteps = Record<never, never>;

type With<Steps, N extends string, R> = { [K in keyof Steps | N]: K extends N ? R : K extends keyof Steps ? Steps[K] : never };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a task of any payload can be a step
type AnyTask<R> = TaskDefinition<any, R>;

/** A workflow as code: its steps, handlers and conditions. Build one with `workflow(name)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- no input schema: the input is whatever the caller gives
export class Workflow<Input = any, Steps = NoSteps> {
  readonly [WORKFLOW] = true as const;

  /** @internal Use `workflow(name, options)`. */
  constructor(
    readonly name: string,
    readonly options: { readonly description?: string; readonly input?: ZodType<Input> },
    private readonly built: readonly BuiltStep[] = [],
    private readonly outputStep: string | null = null,
  ) {}

  /** Adds a step running a task (a definition, or a registered task's name) or an inline handler (task `<workflow>.<step>`). */
  step<N extends string, R, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    task: AnyTask<R>,
    options?: StepOptions<Input, Steps, D, C>,
  ): Workflow<Input, With<Steps, N, R>>;
  step<N extends string, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    task: string,
    options?: StepOptions<Input, Steps, D, C>,
  ): Workflow<Input, With<Steps, N, unknown>>;
  step<N extends string, R, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    handler: InlineHandler<Input, ParentResults<Steps, D, C>, R>,
    options?: StepOptions<Input, Steps, D, C>,
  ): Workflow<Input, With<Steps, N, R>>;
  step(name: string, target: unknown, options: LooseOptions & { when?: (...args: never[]) => unknown; whenText?: string } = {}): unknown {
    const condition = options.when ? { when: options.when as Condition, text: options.whenText ?? null } : null;
    return this.with(this.stepOf(name, target, options, null, condition));
  }

  /** Adds a map step: one job per element of `over`'s array result; its result is the ordered array of theirs. */
  map<N extends string, S extends keyof Steps & string, R, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    task: AnyTask<R>,
    options: MapOptions<Steps, S, D, C>,
  ): Workflow<Input, With<Steps, N, R[]>>;
  map<N extends string, S extends keyof Steps & string, R, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    handler: InlineHandler<ElementOf<Steps[S]>, NoSteps, R>,
    options: MapOptions<Steps, S, D, C>,
  ): Workflow<Input, With<Steps, N, R[]>>;
  map<N extends string, S extends keyof Steps & string, D extends keyof Steps & string = never, C extends keyof Steps & string = never>(
    name: N,
    task: string,
    options: MapOptions<Steps, S, D, C>,
  ): Workflow<Input, With<Steps, N, unknown[]>>;
  map(name: string, target: unknown, options: MapOptions<Steps, keyof Steps & string, never, never>): unknown {
    const field = `workflow ${this.name}: map step ${name}`;
    if (typeof options !== 'object' || options === null || typeof options.over !== 'string') throw new ValidationError(`${field}.over`, 'the name of the parent whose array result is mapped', options?.over);
    if ('when' in options) throw new ValidationError(`${field}.when`, 'no condition on a map step (put it on a step before the map)', 'a condition');
    const others: readonly Dependency<string, string>[] = options.dependsOn ?? [];
    const dependsOn = [options.over, ...others.filter((d) => (typeof d === 'string' ? d : d.step) !== options.over)];
    return this.with(this.stepOf(name, target, { ...options, dependsOn }, options.over, null));
  }

  /** Makes this step's result the run's output (instead of the results of the leaf steps). */
  output(step: keyof Steps & string): Workflow<Input, Steps> {
    return new Workflow(this.name, this.options, this.built, step);
  }

  /**
   * The checked definition the store keeps: every step's job settings resolved (step
   * option, else its task's, else the defaults). `tasks` names the tasks steps may refer to by
   * name; without it, those names are not checked.
   */
  definition(tasks?: TaskLookup): WorkflowDefinition {
    return resolveWorkflow({ name: this.name, description: this.options.description ?? null, steps: this.built, output: this.outputStep }, tasks);
  }

  /** The tasks the steps run that the workflow itself holds (inline handlers and task definitions), to register with it. */
  tasks(): TaskDefinition[] {
    return [...new Set(this.built.flatMap((step) => (typeof step.task === 'string' ? [] : [step.task])))];
  }

  /** A step's condition, or null when it has none (or no such step). */
  condition(step: string): Condition | null {
    return this.built.find((built) => built.name === step)?.condition?.when ?? null;
  }

  get stepNames(): string[] {
    return this.built.map((step) => step.name);
  }

  private with(step: BuiltStep): Workflow<Input, Steps> {
    return new Workflow(this.name, this.options, [...this.built, step], this.outputStep);
  }

  private stepOf(name: string, target: unknown, options: LooseOptions, map: string | null, condition: BuiltStep['condition']): BuiltStep {
    const field = `workflow ${this.name}: step`;
    checkTaskName(name, field);
    if (this.built.some((step) => step.name === name)) throw new ValidationError(field, `a step name not used yet in ${this.name}`, name, `step ${name} is declared twice`);
    const { queue, priority, retry, timeout } = options;
    const job = { queue, priority, retry, timeout };
    const dependsOn = (options.dependsOn ?? []).map((d) => (typeof d === 'string' ? { step: d, policy: options.onParentFailure ?? 'fail' } : { step: d.step, policy: d.onFailure ?? options.onParentFailure ?? 'fail' }));
    return { name, task: this.taskOf(name, target, job, map), dependsOn, map, condition, job };
  }

  private taskOf(step: string, target: unknown, job: StepJobOptions, map: string | null): BuiltStep['task'] {
    if (typeof target === 'string' || isTaskDefinition(target)) return target;
    if (typeof target !== 'function') throw new ValidationError(`workflow ${this.name}: step ${step}`, 'a task definition, a task name or a handler function', target);
    return inlineTask(`${this.name}.${step}`, target as InlineHandler<unknown, unknown, unknown>, job, map === null ? this.options.input : undefined);
  }
}

/** An inline handler as a task: its payload is the run's input (parsed by the workflow's schema), or a map element. */
function inlineTask(name: string, handler: InlineHandler<unknown, unknown, unknown>, job: StepJobOptions, schema: ZodType | undefined): TaskDefinition {
  const options = Object.fromEntries(Object.entries({ ...job, schema }).filter(([, value]) => value !== undefined));
  // The worker gives a step's job `ctx.parents`: the handler's context is a TaskContext.
  return defineTask(name, options, handler as TaskHandler<unknown>);
}

/**
 * Starts a workflow definition.
 * @example
 * export const nightly = workflow('nightly-report')
 *   .step('a', exportA)
 *   .step('b', 'export.b', { dependsOn: ['a'] })
 *   .step('d', async (input, ctx) => ctx.parents.b, { dependsOn: ['b'] });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- without a schema the input is what the caller gives
export function workflow<Input = any>(name: string, options: { description?: string; input?: ZodType<Input> } = {}): Workflow<Input, NoSteps> {
  checkTaskName(name, 'workflow');
  return new Workflow<Input, NoSteps>(name, options);
}

/** True for a `workflow(...)` builder (from any copy of Ordo a module loaded). */
export function isWorkflow(value: unknown): value is Workflow {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WORKFLOW] === true;
}
