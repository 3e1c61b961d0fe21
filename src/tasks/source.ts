/**
 * The ways a caller can hand Ordo its tasks: a folder path, a list of definitions, or a
 * ready registry.
 */
import type { TaskDefinition } from './define.js';
import { loadTasks } from './loader.js';
import { TaskRegistry } from './registry.js';

export type TaskSource = string | TaskRegistry | readonly TaskDefinition[] | Record<string, TaskDefinition>;

export async function resolveTaskSource(source: TaskSource | undefined, options: { required?: boolean } = {}): Promise<TaskRegistry> {
  if (source === undefined) return new TaskRegistry();
  if (source instanceof TaskRegistry) return source;
  if (typeof source === 'string') return loadTasks(source, { required: options.required ?? true });
  return new TaskRegistry(Array.isArray(source) ? source : Object.values(source));
}
