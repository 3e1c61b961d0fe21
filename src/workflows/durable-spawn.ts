/**
 * Starting a durable function's child run: a workflow (from code, stored with its run), a
 * task (run as a one-step workflow named after it, not stored: it is no workflow of the
 * deployment), or a name of either (this worker's workflows, then its tasks, then the
 * workflows stored by others).
 */
import { ValidationError } from '../core/errors.js';
import { checkWorkflowInput } from '../core/workflow-check.js';
import type { Json } from '../core/types.js';
import type { WorkflowDefinition } from '../core/workflow-types.js';
import { isTaskDefinition, type TaskDefinition } from '../tasks/define.js';
import { isWorkflow, workflow, type Workflow } from './define.js';
import type { DurableHost } from './durable-host.js';
import type { SpawnTarget } from './durable-types.js';
import { checkRunInput, storedDefinition } from './start.js';

interface ChildStart {
  definition: WorkflowDefinition;
  input: Json;
  register: boolean;
}

/** Children of one position tried at most: a retried run starts a new child per retry. */
const MAX_GENERATIONS = 1000;

/**
 * Starts the child (or finds the one started before under `uniqueKey`: a crash between its
 * start and its checkpoint never starts a second one); its run id. A child found failed or
 * cancelled belongs to an attempt the run's retry undid (its checkpoint was removed): the
 * next key (`uniqueKey:2`, …) starts a new one.
 */
export async function startChild(
  host: DurableHost,
  target: SpawnTarget,
  payload: unknown,
  link: { parentRunId: string; uniqueKey: string; traceId: string | null },
): Promise<string> {
  const { definition, input, register } = await childStart(host, target, payload);
  for (let generation = 1; ; generation++) {
    const uniqueKey = generation === 1 ? link.uniqueKey : `${link.uniqueKey}:${generation}`;
    const { runId, created } = await host.store.workflowStart({ definition, input, register, ...link, uniqueKey });
    if (created || generation >= MAX_GENERATIONS) return runId;
    const found = await host.store.workflowRunGet({ id: runId });
    if (found?.state === 'running' || found?.state === 'succeeded') return runId;
  }
}

async function childStart(host: DurableHost, target: SpawnTarget, payload: unknown): Promise<ChildStart> {
  if (isWorkflow(target)) return ofWorkflow(host, target, payload);
  if (isTaskDefinition(target)) return ofTask(host, target, payload);
  if (typeof target !== 'string') throw new ValidationError('ctx.spawn(target)', 'a task, a workflow, or the name of one', target);
  const byName = host.tasks.workflow(target);
  if (byName) return ofWorkflow(host, byName, payload);
  const task = host.tasks.get(target);
  if (task) return ofTask(host, task, payload);
  return { definition: await storedDefinition(host.store, target), input: checkRunInput(target, payload, undefined), register: false };
}

function ofWorkflow(host: DurableHost, code: Workflow, payload: unknown): ChildStart {
  return { definition: code.definition(host.tasks), input: checkRunInput(code.name, payload, code), register: true };
}

/** A task as a run: one step, `main`, whose job is the task's with the payload as the run's input. */
function ofTask(host: DurableHost, task: TaskDefinition, payload: unknown): ChildStart {
  const definition = workflow(task.name).step('main', task).output('main').definition(host.tasks);
  return { definition, input: checkWorkflowInput(payload === undefined ? {} : payload, `payload of spawned task ${task.name}`), register: false };
}
