/**
 * The tasks Ordo brings along, present in every task registry under names no user task may
 * take. Their settings come from the operator (the worker's options or configuration), never
 * from a payload.
 */
import type { TaskDefinition } from '../define.js';
import { httpTask } from './http.js';
import { workflowStartTask, type WorkflowStarter } from './workflow-start.js';

export interface BuiltinSettings {
  /** Hosts the `http` task may reach (`checkAllowHosts` form). @defaultValue [] (any host) */
  httpAllowHosts?: readonly string[];
  /** How `workflow.start` starts runs (a worker's store); without it the task only validates. */
  startWorkflow?: WorkflowStarter;
}

/** Every built-in task, configured with `settings`. */
export function builtinTasks(settings: BuiltinSettings = {}): TaskDefinition[] {
  return [httpTask({ allowHosts: settings.httpAllowHosts ?? [] }), workflowStartTask(settings.startWorkflow)];
}

export { WORKFLOW_START_TASK, workflowStartPayloadSchema, type WorkflowStartPayload, type WorkflowStarter } from './workflow-start.js';
export { HTTP_TASK, httpTask, type HttpTaskSettings } from './http.js';
export type { HttpPayload } from './http-payload.js';
export type { HttpResult } from './http-response.js';
