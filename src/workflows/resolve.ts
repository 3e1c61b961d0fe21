/**
 * A builder's steps → the plain `WorkflowDefinition` the store keeps: each step's job
 * settings resolved as `enqueue` resolves a job's (the step's option, else its task's, else
 * the defaults), its condition described in words, then the whole checked
 * (`checkWorkflowDefinition`: duplicates, unknown parents and tasks, cycles, maps).
 */
import { checkTimeout } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import { checkPriority, checkQueueName } from '../core/names.js';
import { DEFAULT_RETRY, checkRetryPolicy } from '../core/retry.js';
import type { Json } from '../core/types.js';
import { checkWorkflowDefinition } from '../core/workflow-check.js';
import type { StepDefinition, StepEdge, WorkflowDefinition } from '../core/workflow-types.js';
import type { TaskDefinition } from '../tasks/define.js';
import type { StepJobOptions } from './define.js';

/** A step's condition: the parents' results by name, and the run's input. */
export type Condition = (parents: Record<string, Json>, input: Json) => boolean | PromiseLike<boolean>;

/** Longest condition text kept (the function's source can be long). */
export const MAX_CONDITION_TEXT = 200;

/** A step as the builder holds it. */
export interface BuiltStep {
  name: string;
  /** A task definition (inline handlers are made into one), or a registered task's name. */
  task: TaskDefinition | string;
  dependsOn: StepEdge[];
  map: string | null;
  condition: { when: Condition; text: string | null } | null;
  job: StepJobOptions;
}

/**
 * The tasks a definition may name: a registry (its options resolve the steps' settings), or
 * only a test of which names exist.
 */
export type TaskLookup = ((task: string) => boolean) | { has(task: string): boolean; get(task: string): TaskDefinition | undefined };

export function resolveWorkflow(
  built: { name: string; description: string | null; steps: readonly BuiltStep[]; output: string | null },
  tasks?: TaskLookup,
): WorkflowDefinition {
  const own = new Map(built.steps.flatMap((step) => (typeof step.task === 'string' ? [] : [[step.task.name, step.task] as const])));
  const lookup = (name: string): TaskDefinition | undefined => own.get(name) ?? (typeof tasks === 'object' ? tasks.get(name) : undefined);
  const steps = built.steps.map((step) => resolveStep(built.name, step, typeof step.task === 'string' ? lookup(step.task) : step.task));
  const definition: WorkflowDefinition = { name: built.name, description: built.description, steps, output: built.output };
  if (!tasks) return checkWorkflowDefinition(definition);
  const has = typeof tasks === 'function' ? tasks : (name: string) => tasks.has(name);
  return checkWorkflowDefinition(definition, { hasTask: (name: string) => own.has(name) || has(name) });
}

function resolveStep(workflow: string, step: BuiltStep, task: TaskDefinition | undefined): StepDefinition {
  const field = (option: string) => `workflow ${workflow}: step ${step.name}.${option}`;
  const taskOptions = task?.options ?? {};
  if (step.job.retry) checkRetryPolicy(step.job.retry, field('retry'));
  const timeout = step.job.timeout ?? taskOptions.timeout;
  return {
    name: step.name,
    task: typeof step.task === 'string' ? step.task : step.task.name,
    queue: checkQueueName(step.job.queue ?? taskOptions.queue ?? 'default', field('queue')),
    priority: checkPriority(step.job.priority ?? taskOptions.priority ?? 0, field('priority')),
    maxAttempts: step.job.retry?.maxAttempts ?? taskOptions.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
    timeoutMs: timeout === undefined ? null : checkTimeout(timeout, field('timeout')),
    // Like an enqueue: only the step's own backoff is stored; the worker falls back to its task's.
    backoffBaseMs: step.job.retry?.baseMs ?? null,
    backoffCapMs: step.job.retry?.capMs ?? null,
    dependsOn: step.dependsOn.map((edge) => ({ ...edge })),
    map: step.map,
    condition: step.condition ? conditionText(step.condition, field('whenText')) : null,
  };
}

function conditionText(condition: NonNullable<BuiltStep['condition']>, field: string): string {
  if (condition.text !== null && (typeof condition.text !== 'string' || condition.text.trim() === '')) {
    throw new ValidationError(field, 'a description of the condition in words', condition.text);
  }
  const text = condition.text ?? String(condition.when).replace(/\s+/g, ' ').trim();
  return text.length > MAX_CONDITION_TEXT ? `${text.slice(0, MAX_CONDITION_TEXT - 1)}…` : text;
}
