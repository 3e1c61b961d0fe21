/**
 * `ordo.workflows` on the database: stored definitions, starting runs, reading, cancelling
 * and retrying them. A definition in code is checked against this client's tasks and stored
 * with its first run; a name starts the stored definition (what a worker that has the
 * workflow stored when it started). Input is checked before anything is written.
 */
import { LIMITS } from '../core/defaults.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../core/page.js';
import { RUN_STATES, type RunFilter, type RunRecord, type RunState, type WorkflowRecord } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { TaskRegistry } from '../tasks/registry.js';
import { isWorkflow } from '../workflows/define.js';
import { checkRunInput, storedDefinition } from '../workflows/start.js';
import type { RunPage, StartOptions, WorkflowClient } from './api.js';

export class Workflows implements WorkflowClient {
  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
  ) {}

  async list(): Promise<WorkflowRecord[]> {
    return this.store.workflowList();
  }

  async get(name: string): Promise<WorkflowRecord> {
    const definition = await storedDefinition(this.store, textOf(name, 'name', 'a workflow name'));
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
    const name = textOf(typeof workflow === 'string' ? workflow : workflow?.name, 'workflow', 'a workflow name, or a workflow(...)');
    const checked = checkRunInput(name, input, this.tasks.workflow(name));
    const definition = await storedDefinition(this.store, name);
    return this.store.workflowStart({ definition, input: checked, ...common });
  }

  async getRun(id: string): Promise<RunRecord> {
    const run = await this.store.workflowRunGet({ id: runIdOf(id) });
    if (!run) throw new NotFoundError('workflow run', String(id));
    return run;
  }

  /** Runs, newest first; `cursor` is the last page's `nextCursor`. */
  async listRuns(filter: RunFilter = {}, page: { limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = page.limit ?? DEFAULT_PAGE_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
    const before = page.cursor === undefined ? undefined : runIdOf(page.cursor, 'cursor');
    const { runs, total } = await this.store.workflowRunList({ filter: checkRunFilter(filter), limit, ...(before ? { before } : {}) });
    const last = runs[runs.length - 1];
    return { runs, total, nextCursor: runs.length === limit && last ? last.id : null };
  }

  async cancelRun(id: string): Promise<{ id: string; state: RunState }> {
    const runId = runIdOf(id);
    const state = await this.store.workflowRunCancel({ id: runId });
    if (state === null) throw new NotFoundError('workflow run', runId);
    return { id: runId, state };
  }

  async retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }> {
    const runId = runIdOf(id);
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
  if (filter.workflow !== undefined) checked.workflow = textOf(filter.workflow, 'workflow', 'a workflow name');
  if (filter.state !== undefined) {
    const states = [filter.state].flat();
    for (const state of states) if (!RUN_STATES.includes(state)) throw new ValidationError('state', `one or more of ${RUN_STATES.join(', ')}`, state);
    checked.state = states;
  }
  return checked;
}

/** A run id: a whole number as a string (a safe integer is taken as its digits). */
function runIdOf(id: unknown, field = 'id'): string {
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,18}$/.test(text)) throw new ValidationError(field, 'a workflow run id: a whole number as a string, such as "7"', id);
  return text;
}

function textOf(value: unknown, field: string, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, expected, value);
  return value;
}
