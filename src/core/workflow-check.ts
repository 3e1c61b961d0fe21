/**
 * Checks a workflow definition before anything is written: every problem refused with a
 * message naming it (a duplicate step, an unknown parent, a cycle drawn as its path, a map
 * over something that is not a parent…), so a bad graph never reaches a store, where it
 * could only wait forever.
 */
import { ValidationError } from './errors.js';
import { checkPriority, checkQueueName, checkTaskName } from './names.js';
import type { Json } from './types.js';
import { EDGE_POLICIES, type StepDefinition, type WorkflowDefinition } from './workflow-types.js';

/** Workflow names the HTTP paths take for themselves (`/workflows/runs`). */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['runs']);

/**
 * Returns the definition when it is sound; else throws a ValidationError naming the step and
 * the problem. `hasTask`: when given, every step's task must be one it knows.
 */
export function checkWorkflowDefinition(definition: WorkflowDefinition, options: { hasTask?: (task: string) => boolean } = {}): WorkflowDefinition {
  const name = checkTaskName(definition?.name, 'workflow name');
  if (RESERVED_NAMES.has(name)) throw new ValidationError('workflow name', 'a name other than "runs" (reserved by the HTTP paths)', name);
  const where = `workflow ${name}`;
  if (!Array.isArray(definition.steps) || definition.steps.length === 0) {
    throw new ValidationError(`${where}: steps`, 'at least one step', definition.steps, `workflow ${name} has no steps`);
  }
  const names = new Set<string>();
  for (const step of definition.steps) {
    checkTaskName(step?.name, `${where}: step name`);
    if (names.has(step.name)) throw new ValidationError(`${where}: steps`, 'unique step names', step.name, `step ${step.name} is declared twice`);
    names.add(step.name);
  }
  for (const step of definition.steps) checkStep(where, name, step, names, options.hasTask);
  if (definition.output !== null && !names.has(definition.output)) {
    throw new ValidationError(`${where}: output`, `null or a step of ${name}`, definition.output, `output ${definition.output} is not a step of ${name}`);
  }
  const cycle = findCycle(definition.steps);
  if (cycle) throw new ValidationError(`${where}: steps`, 'a graph without cycles', cycle.join(' → '), `steps ${cycle.join(' → ')} form a cycle`);
  return definition;
}

function checkStep(where: string, workflow: string, step: StepDefinition, names: ReadonlySet<string>, hasTask?: (task: string) => boolean): void {
  const field = (option: string) => `${where}: step ${step.name}.${option}`;
  checkTaskName(step.task, field('task'));
  if (hasTask && !hasTask(step.task)) {
    throw new ValidationError(field('task'), 'a registered task', step.task, `step ${step.name} runs task ${step.task}, which is not registered`);
  }
  checkQueueName(step.queue, field('queue'));
  checkPriority(step.priority, field('priority'));
  if (!Array.isArray(step.dependsOn)) throw new ValidationError(field('dependsOn'), 'an array of parent steps', step.dependsOn);
  const parents = new Set<string>();
  for (const edge of step.dependsOn) {
    const parent = edge?.step;
    if (parent === step.name) throw new ValidationError(field('dependsOn'), 'other steps', parent, `step ${step.name} depends on itself`);
    if (typeof parent !== 'string' || !names.has(parent)) {
      throw new ValidationError(field('dependsOn'), `steps of ${workflow}`, parent, `step ${step.name} depends on ${String(parent)}, which is not a step of ${workflow}`);
    }
    if (parents.has(parent)) throw new ValidationError(field('dependsOn'), 'each parent once', parent, `step ${step.name} depends on ${parent} twice`);
    if (!EDGE_POLICIES.includes(edge.policy)) {
      throw new ValidationError(field(`dependsOn.${parent}.policy`), `one of ${EDGE_POLICIES.join(', ')}`, edge.policy);
    }
    parents.add(parent);
  }
  checkMap(field('map'), step, parents);
}

function checkMap(field: string, step: StepDefinition, parents: ReadonlySet<string>): void {
  if (step.map === null) return;
  if (parents.size === 0) {
    throw new ValidationError(field, 'a parent step (a map step runs once per element of its parent\'s array result)', step.map, `step ${step.name} is a map step without parents`);
  }
  if (!parents.has(step.map)) {
    throw new ValidationError(field, `one of its parents (${[...parents].join(', ')})`, step.map, `step ${step.name} maps over ${String(step.map)}, which is not one of its parents`);
  }
  // A condition is evaluated when a step's job starts; a map step's elements each start on
  // their own, so "skip the step" has no one moment to be decided at.
  if (step.condition !== null) {
    throw new ValidationError(field.replace(/map$/, 'condition'), 'null (a map step cannot carry a condition; put it on a step before the map)', step.condition, `map step ${step.name} has a condition`);
  }
}

/**
 * A cycle as a path from a step back to itself along the edges parent → dependant
 * (`a → b → a`), or null. Depth-first from each step in declaration order, with an explicit
 * stack: a long chain must not exhaust the call stack.
 */
export function findCycle(steps: readonly StepDefinition[]): string[] | null {
  const children = new Map<string, string[]>(steps.map((s) => [s.name, []]));
  for (const step of steps) for (const edge of step.dependsOn) children.get(edge.step)?.push(step.name);
  const state = new Map<string, 'open' | 'done'>();
  for (const root of steps) {
    if (state.has(root.name)) continue;
    const path: { step: string; next: number }[] = [{ step: root.name, next: 0 }];
    state.set(root.name, 'open');
    while (path.length > 0) {
      const top = path.at(-1)!;
      const child = children.get(top.step)![top.next++];
      if (child === undefined) {
        state.set(top.step, 'done');
        path.pop();
      } else if (state.get(child) === 'open') {
        const from = path.findIndex((p) => p.step === child);
        return [...path.slice(from).map((p) => p.step), child];
      } else if (!state.has(child)) {
        state.set(child, 'open');
        path.push({ step: child, next: 0 });
      }
    }
  }
  return null;
}

/** A run's input as JSON (nothing given: null); a ValidationError when it cannot be. */
export function checkWorkflowInput(value: unknown, field = 'input'): Json {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError(field, 'a JSON-serialisable value', value, (err as Error).message);
  }
  if (text === undefined) throw new ValidationError(field, 'a JSON-serialisable value', value);
  return JSON.parse(text) as Json;
}
