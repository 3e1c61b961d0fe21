/**
 * The tasks a process knows, by name. Task names in payloads and requests are looked up
 * here and nowhere else: a name never becomes a module path.
 */
import { ConfigError, ValidationError } from '../core/errors.js';
import { checkTimeout } from '../core/duration.js';
import type { Json } from '../core/types.js';
import { defineTask, isTaskDefinition, type TaskDefinition } from './define.js';

export interface TaskSummary {
  name: string;
  queue: string;
  description: string | null;
  source: string | null;
  hasSchema: boolean;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, { definition: TaskDefinition; source: string | null }>();

  constructor(definitions: Iterable<TaskDefinition> = []) {
    for (const definition of definitions) this.add(definition);
  }

  add(definition: TaskDefinition, source: string | null = null): void {
    const existing = this.tasks.get(definition.name);
    if (existing && existing.definition !== definition) {
      throw new ConfigError(
        `task ${definition.name} is defined twice (${existing.source ?? 'in code'} and ${source ?? 'in code'}); rename one of them`,
      );
    }
    this.tasks.set(definition.name, { definition, source });
  }

  /** Registers every task a module exports: `defineTask` results, and plain functions as `module.function`. */
  addModule(moduleName: string, exports: Record<string, unknown>, source: string): void {
    for (const [exportName, value] of Object.entries(exports)) {
      if (isTaskDefinition(value)) this.add(value, source);
      else if (typeof value === 'function' && exportName !== 'default') {
        this.add(defineTask(`${moduleName}.${exportName}`, value as (payload: unknown) => unknown), source);
      }
    }
  }

  get(name: string): TaskDefinition | undefined {
    return this.tasks.get(name)?.definition;
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  get size(): number {
    return this.tasks.size;
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  list(): TaskSummary[] {
    return this.names().map((name) => {
      const { definition, source } = this.tasks.get(name)!;
      return {
        name,
        queue: definition.options.queue ?? 'default',
        description: definition.options.description ?? null,
        source,
        hasSchema: definition.options.schema !== undefined,
      };
    });
  }
}

/** The task's timeout in ms, or null when it has none. */
export function taskTimeoutMs(definition: TaskDefinition | undefined): number | null {
  const timeout = definition?.options.timeout;
  return timeout === undefined ? null : checkTimeout(timeout, `task ${definition!.name}: timeout`);
}

/**
 * Validates a payload against the task's schema, if any, and returns what the schema makes of
 * it (defaults filled in, transforms applied): that is what the handler receives. The stored
 * payload stays as it was enqueued. Throws a ValidationError naming each bad field.
 */
export function validatePayload(definition: TaskDefinition | undefined, payload: Json): unknown {
  const schema = definition?.options.schema;
  if (!schema) return payload;
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`);
  throw new ValidationError(`payload of task ${definition!.name}`, 'a payload matching the task schema', payload, problems.join('; '));
}
