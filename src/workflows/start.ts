/**
 * What starting a run needs wherever it starts (the client, or the `workflow.start` task on
 * a worker): the stored definition of a workflow named, and the run's input checked.
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import { checkWorkflowInput } from '../core/workflow-check.js';
import type { WorkflowDefinition } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { Workflow } from './define.js';

/** The stored definition of `name`; a NotFoundError naming the workflows that are stored. */
export async function storedDefinition(store: Store, name: string): Promise<WorkflowDefinition> {
  const record = await store.workflowGet({ name });
  if (record) return record.definition;
  const known = (await store.workflowList()).map((stored) => stored.name);
  const error = new NotFoundError('workflow', name);
  error.message += known.length
    ? `; stored workflows: ${known.join(', ')}`
    : '; no workflow is stored yet (a worker stores its workflows when it starts, and starting one from code stores it)';
  return Promise.reject(error);
}

/**
 * The run's input as JSON (nothing given: `{}`), checked against the workflow's input schema
 * when the workflow is known here. The input is stored as given; a step's handler receives
 * what the schema makes of it.
 */
export function checkRunInput(name: string, input: unknown, workflow: Workflow | undefined): Json {
  // Nothing given: {}, as a job's payload.
  const json = checkWorkflowInput(input === undefined ? {} : input, `input of workflow ${name}`);
  const schema = workflow?.options.input;
  if (!schema) return json;
  const parsed = schema.safeParse(json);
  if (parsed.success) return json;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `input.${issue.path.join('.')}` : 'input'}: ${issue.message}`);
  throw new ValidationError(`input of workflow ${name}`, 'an input matching the workflow input schema', json, problems.join('; '));
}
