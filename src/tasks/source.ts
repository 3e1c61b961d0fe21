/**
 * The ways a caller can hand Ordo its tasks: a folder path, a list of definitions (workflows
 * among them, if you like), or a ready registry; and workflows on their own.
 */
import { isWorkflow, type Workflow } from '../workflows/define.js';
import type { TaskDefinition } from './define.js';
import { loadTasks } from './loader.js';
import { TaskRegistry } from './registry.js';

export type TaskSource = string | TaskRegistry | readonly (TaskDefinition | Workflow)[] | Record<string, TaskDefinition | Workflow>;

export interface TaskSourceOptions {
  /** A folder that does not exist is an error. @defaultValue true */
  required?: boolean;
  /** Workflows to add (with the tasks their steps hold); a given registry is copied, not changed. */
  workflows?: readonly Workflow[];
}

export async function resolveTaskSource(source: TaskSource | undefined, options: TaskSourceOptions = {}): Promise<TaskRegistry> {
  const registry = await registryOf(source, options.required ?? true);
  if (!options.workflows?.length) return registry;
  const copy = registry.copy();
  for (const workflow of options.workflows) copy.addWorkflow(workflow);
  return copy;
}

async function registryOf(source: TaskSource | undefined, required: boolean): Promise<TaskRegistry> {
  if (source === undefined) return new TaskRegistry();
  if (source instanceof TaskRegistry) return source;
  if (typeof source === 'string') return loadTasks(source, { required });
  const registry = new TaskRegistry();
  for (const item of Array.isArray(source) ? source : Object.values(source)) {
    if (isWorkflow(item)) registry.addWorkflow(item);
    else registry.add(item as TaskDefinition);
  }
  return registry;
}
