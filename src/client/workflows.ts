/**
 * `ordo.workflows` on the database: stored definitions, starting runs, reading, cancelling
 * and retrying them. A definition in code is checked against this client's tasks and stored
 * with its first run; a name starts the stored definition (what a worker that has the
 * workflow stored when it started). Input is checked before anything is written.
 */
import { LIMITS } from '../core/defaults.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT } from '../core/page.js';
import type { RunFilter, RunRecord, RunState, WorkflowRecord } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { isWorkflow } from '../workflows/define.js';
import { checkRunInput, storedDefinition } from '../workflows/start.js';
import type { RunPage, StartOptions, WorkflowClient } from './api.js';
import { checkRunId, checkRunPageLimit, checkRunStates, checkText } from './workflow-checks.js';

export class Workflows implements WorkflowClient {
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
  ) {}

  async list(): Promise<WorkflowRecord[]> {
    return this.store.workflowList();
  }

  async get(name: string): Promise<WorkflowRecord> {
    const definition = await storedDefinition(this.store, checkText(name, 'name', 'a workflow name'));
    return (await this.store.workflowGet({ name: definition.name }))!;
  }

  /**
   * Starts a run: of a `workflow(...)` (checked against this client's tasks, stored with the
   * run), or of the stored definition named. `created: false` when `uniqueKey` matched a run.
   */
  async start(workflow: { readonly name: string } | string, input?: unknown, options: StartOptions = {}): Promise<{ runId: string; created: boolean }> {
    const { traceId, uniqueKey } = checkStartOptions(options);
    const common = { traceId, uniqueKey, ...(options.tx ? { tx: options.tx } : {}) };
    if (isWorkflow(workflow)) {
      const definition = workflow.definition(this.tasks);
      const checked = checkRunInput(workflow.name, input, workflow);
      return this.store.workflowStart({ definition, input: checked, register: true, ...common });
    }
    const name = checkText(typeof workflow === 'string' ? workflow : workflow?.name, 'workflow', 'a workflow name, or a workflow(...)');
    const checked = checkRunInput(name, input, this.tasks.workflow(name));
    const definition = await storedDefinition(this.store, name);
    return this.store.workflowStart({ definition, input: checked, ...common });
  }

  async getRun(id: string): Promise<RunRecord> {
    const run = await this.store.workflowRunGet({ id: checkRunId(id) });
    if (!run) throw new NotFoundError('workflow run', String(id));
    return run;
  }

  /** Runs, newest first; `cursor` is the last page's `nextCursor`. */
  async listRuns(filter: RunFilter = {}, page: { limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = checkRunPageLimit(page.limit ?? DEFAULT_PAGE_LIMIT);
    const before = page.cursor === undefined ? undefined : checkRunId(page.cursor, 'cursor');
    const { runs, total } = await this.store.workflowRunList({ filter: checkRunFilter(filter), limit, ...(before ? { before } : {}) });
    const last = runs[runs.length - 1];
    return { runs, total, nextCursor: runs.length === limit && last ? last.id : null };
  }

  async cancelRun(id: string): Promise<{ id: string; state: RunState }> {
    const runId = checkRunId(id);
    const state = await this.store.workflowRunCancel({ id: runId });
    if (state === null) throw new NotFoundError('workflow run', runId);
    return { id: runId, state };
  }

  async retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }> {
    const runId = checkRunId(id);
    const result = await this.store.workflowRunRetry({ id: runId });
    if (result === null) throw new NotFoundError('workflow run', runId);
    return { id: runId, ...result };
  }
}

/** No control characters: a trace id is printed in log lines, and must not be able to break one. */
const CONTROL = /\p{Cc}/u;

/** The trace id and unique key, checked with an enqueue's bounds. */
function checkStartOptions(options: StartOptions): { traceId: string | null; uniqueKey: string | null } {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'an object such as { uniqueKey: "2026-01-31" }', options);
  const { traceId, uniqueKey } = options;
  if (traceId !== undefined && (typeof traceId !== 'string' || traceId.length === 0 || traceId.length > LIMITS.maxTraceIdLength || CONTROL.test(traceId))) {
    throw new ValidationError('traceId', `a string of 1 to ${LIMITS.maxTraceIdLength} characters without control characters, such as a request id`, traceId);
  }
  if (uniqueKey !== undefined && (typeof uniqueKey !== 'string' || uniqueKey.length === 0 || uniqueKey.length > 500)) {
    throw new ValidationError('uniqueKey', 'a non-empty string of at most 500 characters', uniqueKey);
  }
  return { traceId: traceId ?? null, uniqueKey: uniqueKey ?? null };
}

function checkRunFilter(filter: RunFilter): RunFilter {
  if (typeof filter !== 'object' || filter === null) throw new ValidationError('filter', 'an object such as { workflow: "nightly-report" }', filter);
  const checked: RunFilter = {};
  if (filter.workflow !== undefined) checked.workflow = checkText(filter.workflow, 'workflow', 'a workflow name');
  if (filter.state !== undefined) checked.state = checkRunStates(filter.state);
  return checked;
}
