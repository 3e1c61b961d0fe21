/**
 * Tasks as callers are shown them (`ordo tasks`, `GET /tasks`): each task's options with the
 * defaults resolved, so what is listed is what a job of the task gets, and its payload's
 * JSON Schema when the task declares a schema that can be written as one.
 */
import { z } from 'zod';
import { DEFAULT_RETRY } from '../core/retry.js';
import type { TaskDefinition } from '../tasks/define.js';
import { taskTimeoutMs, type TaskRegistry } from '../tasks/registry.js';
import type { TaskInfo } from './api.js';

/** Every task of the registry, by name; the built-in ones (`http`) too when asked. */
export function describeTasks(tasks: TaskRegistry, options: { builtIn?: boolean } = {}): TaskInfo[] {
  return tasks.list(options).map((summary) => {
    const definition = tasks.get(summary.name)!;
    return {
      ...summary,
      payloadSchema: payloadSchema(definition),
      priority: definition.options.priority ?? 0,
      maxAttempts: definition.options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      timeoutMs: taskTimeoutMs(definition),
    };
  });
}

/**
 * The payload's JSON Schema as a caller writes it (`io: 'input'`: before defaults and
 * transforms), or null without a schema. Parts JSON Schema cannot say (a refinement, a
 * transform) become "anything" instead of failing; a schema that still cannot be converted
 * (not a zod 4 schema, say) gives null: the listing matters more than one schema in it.
 */
export function payloadSchema(definition: TaskDefinition): unknown {
  const schema = definition.options.schema;
  if (!schema) return null;
  try {
    return z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}
