/**
 * A worker's part in workflows besides running steps: storing the definitions of the
 * workflows it has when it starts (checked against its tasks), and starting runs of stored
 * ones for the built-in `workflow.start` task (what a schedule of a workflow enqueues).
 */
import type { Store } from '../store/contract.js';
import type { WorkflowStarter } from '../tasks/builtin/index.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { checkRunInput, storedDefinition } from '../workflows/start.js';

/** Stores the definitions of the registry's workflows, in one transaction; a bad one stops the start, naming it. */
export async function registerWorkflows(store: Store, tasks: TaskRegistry): Promise<void> {
  const definitions = tasks.workflows().map((workflow) => workflow.definition(tasks));
  if (definitions.length > 0) await store.workflowRegister({ definitions });
}

/**
 * Starts runs of stored definitions: the input checked by the workflow's schema when this
 * worker has the workflow. An unknown name is retried like any failure (a worker that has
 * the workflow may store it meanwhile); a bad input fails for good.
 */
export function workflowStarter(store: Store, tasks: TaskRegistry): WorkflowStarter {
  return async ({ workflow, input, uniqueKey, traceId }) => {
    const checked = checkRunInput(workflow, input, tasks.workflow(workflow));
    const definition = await storedDefinition(store, workflow);
    return store.workflowStart({ definition, input: checked, uniqueKey, traceId });
  };
}
