/**
 * The tasks a process knows, by name. Task names in payloads and requests are looked up
 * here and nowhere else: a name never becomes a module path.
 *
 * Every registry also holds the built-in tasks (`http`): `get` and `has` find them, so
 * clients validate their payloads and workers run them; a user task may not take their
 * names (refused, not shadowed: a job enqueued as `http` must mean one thing on every
 * worker). `names`, `list` and `size` count only the tasks added, unless asked: they describe
 * a tasks folder. Built-ins run with the settings the registry was made with (by default any
 * host for `http`); a worker runs them from `withBuiltins(its settings)`.
 *
 * A registry holds workflows too (`addWorkflow`), with the tasks their steps run: an inline
 * step handler is the task `<workflow>.<step>`. The worker reads a step's condition here.
 */
import { ConfigError, ValidationError } from '../core/errors.js';
import { checkTimeout } from '../core/duration.js';
import type { Json } from '../core/types.js';
import { defineTask, isTaskDefinition, type TaskDefinition } from './define.js';
import { builtinTasks, type BuiltinSettings } from './builtin/index.js';
import { isWorkflow, type Workflow } from '../workflows/define.js';

/** `TaskSummary.source` of a built-in task. */
export const BUILT_IN = 'built-in';

export interface TaskSummary {
  name: string;
  queue: string;
  description: string | null;
  source: string | null;
  hasSchema: boolean;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, { definition: TaskDefinition; source: string | null }>();
  private readonly flows = new Map<string, { workflow: Workflow; source: string | null }>();
  private readonly builtins: ReadonlyMap<string, TaskDefinition>;

  constructor(
    definitions: Iterable<TaskDefinition> = [],
    private readonly settings: BuiltinSettings = {},
  ) {
    this.builtins = new Map(builtinTasks(settings).map((definition) => [definition.name, definition]));
    for (const definition of definitions) this.add(definition);
  }

  /** The same tasks and workflows, with the built-ins configured by `settings` (a worker's allowed hosts, its workflow starter). */
  withBuiltins(settings: BuiltinSettings): TaskRegistry {
    const copy = new TaskRegistry([], settings);
    for (const [name, entry] of this.tasks) copy.tasks.set(name, entry);
    for (const [name, entry] of this.flows) copy.flows.set(name, entry);
    return copy;
  }

  /** A copy to add to, leaving this one as it is (a folder's registry is shared by the process). */
  copy(): TaskRegistry {
    return this.withBuiltins(this.settings);
  }

  /**
   * Adds a workflow and the tasks its steps hold (inline handlers as `<workflow>.<step>`, and
   * task definitions); steps naming a task by its name need it added on its own.
   */
  addWorkflow(workflow: Workflow, source: string | null = null): void {
    const existing = this.flows.get(workflow.name);
    if (existing && existing.workflow !== workflow) {
      throw new ConfigError(`workflow ${workflow.name} is defined twice (${existing.source ?? 'in code'} and ${source ?? 'in code'}); rename one of them`, { workflow: workflow.name });
    }
    for (const task of workflow.tasks()) this.add(task, source);
    this.flows.set(workflow.name, { workflow, source });
  }

  /** A workflow added, by name. */
  workflow(name: string): Workflow | undefined {
    return this.flows.get(name)?.workflow;
  }

  /** The workflows added, by name. */
  workflows(): Workflow[] {
    return [...this.flows.keys()].sort().map((name) => this.flows.get(name)!.workflow);
  }

  add(definition: TaskDefinition, source: string | null = null): void {
    if (this.builtins.has(definition.name)) {
      throw new ConfigError(`task ${definition.name} (${source ?? 'in code'}): ${definition.name} is a built-in task; give yours another name`, { task: definition.name });
    }
    const existing = this.tasks.get(definition.name);
    if (existing && existing.definition !== definition) {
      throw new ConfigError(
        `task ${definition.name} is defined twice (${existing.source ?? 'in code'} and ${source ?? 'in code'}); rename one of them`,
      );
    }
    this.tasks.set(definition.name, { definition, source });
  }

  /** Registers every task a module exports: `defineTask` results, plain functions as `module.function`, and `workflow(...)`s. */
  addModule(moduleName: string, exports: Record<string, unknown>, source: string): void {
    for (const [exportName, value] of Object.entries(exports)) {
      if (isTaskDefinition(value)) this.add(value, source);
      else if (isWorkflow(value)) this.addWorkflow(value, source);
      else if (typeof value === 'function' && exportName !== 'default') {
        this.add(defineTask(`${moduleName}.${exportName}`, value as (payload: unknown) => unknown), source);
      }
    }
  }

  /** A task added, or a built-in one (undefined for no name: a schedule whose target is a workflow). */
  get(name: string | undefined): TaskDefinition | undefined {
    if (name === undefined) return undefined;
    return this.tasks.get(name)?.definition ?? this.builtins.get(name);
  }

  has(name: string): boolean {
    return this.tasks.has(name) || this.builtins.has(name);
  }

  /** Tasks added (the built-ins not counted). */
  get size(): number {
    return this.tasks.size;
  }

  /** Names of the tasks added, sorted; with `builtIn: true` the built-in ones too. */
  names(options: { builtIn?: boolean } = {}): string[] {
    const names = [...this.tasks.keys(), ...(options.builtIn ? this.builtins.keys() : [])];
    return names.sort();
  }

  /** The tasks added, by name; with `builtIn: true` the built-in ones too (source `built-in`). */
  list(options: { builtIn?: boolean } = {}): TaskSummary[] {
    return this.names(options).map((name) => {
      const { definition, source } = this.tasks.get(name) ?? { definition: this.builtins.get(name)!, source: BUILT_IN };
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
