/**
 * `remote.workflows`: the workflow operations of the client over the HTTP API. A run is
 * started by its workflow's name (the server starts its stored definition); everything the
 * server checks it checks with the client on the database, so the answers and the errors are
 * that client's. Checked here too, with the local client's words: what cannot travel, what
 * would reach another route (a run id), and what the query string's own form would name
 * otherwise (states, limits).
 */
import { ValidationError } from '../core/errors.js';
import { MAX_PAGE_LIMIT } from '../core/page.js';
import { RUN_STATES, type RunFilter, type RunRecord, type RunState, type WorkflowRecord } from '../core/workflow-types.js';
import type { RunPage, StartOptions, WorkflowClient } from './api.js';
import type { HttpCaller } from './remote-http.js';

export class RemoteWorkflows implements WorkflowClient {
  constructor(private readonly http: HttpCaller) {}

  async list(): Promise<WorkflowRecord[]> {
    return (await this.http.call('workflows.list')).workflows;
  }

  async get(name: string): Promise<WorkflowRecord> {
    return this.http.call('workflows.get', { params: { name: textOf(name, 'name', 'a workflow name') } });
  }

  /** Starts a run of the server's stored definition of the workflow (a definition in code: by its name). */
  async start(workflow: { readonly name: string } | string, input?: unknown, options: StartOptions = {}): Promise<{ runId: string; created: boolean }> {
    if (options.tx !== undefined) {
      throw new ValidationError('tx', 'no tx over HTTP: starting a run inside your own transaction needs a client on the database (createOrdo({ db }))', 'a transaction');
    }
    const name = textOf(typeof workflow === 'string' ? workflow : workflow?.name, 'workflow', 'a workflow name, or a workflow(...) whose name the server knows');
    const body: Record<string, unknown> = {};
    if (input !== undefined) body.input = input;
    if (options.uniqueKey !== undefined) body.uniqueKey = options.uniqueKey;
    if (options.traceId !== undefined) body.traceId = options.traceId;
    return this.http.call('workflows.start', { params: { name }, body });
  }

  async getRun(id: string): Promise<RunRecord> {
    return (await this.http.call('workflows.run', { params: { id: runIdOf(id) } })) as RunRecord;
  }

  async listRuns(filter: RunFilter = {}, page: { limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = page.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT)) {
      throw new ValidationError('limit', `a whole number from 1 to ${MAX_PAGE_LIMIT}`, limit);
    }
    const state = filter.state === undefined ? undefined : [filter.state].flat();
    // Checked as the local client checks them: the query string's own form would name `state.0`.
    for (const one of state ?? []) if (!RUN_STATES.includes(one)) throw new ValidationError('state', `one or more of ${RUN_STATES.join(', ')}`, one);
    const cursor = page.cursor === undefined ? undefined : runIdOf(page.cursor, 'cursor');
    return this.http.call('workflows.runs', { query: { workflow: filter.workflow, state, limit, cursor } });
  }

  async cancelRun(id: string): Promise<{ id: string; state: RunState }> {
    return this.http.call('workflows.cancel', { params: { id: runIdOf(id) } });
  }

  async retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }> {
    return this.http.call('workflows.retry', { params: { id: runIdOf(id) } });
  }
}

/** A run id: a whole number as a string (a safe integer is taken as its digits), as the local client checks it. */
function runIdOf(id: unknown, field = 'id'): string {
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  if (typeof text !== 'string' || !/^[1-9][0-9]{0,18}$/.test(text)) throw new ValidationError(field, 'a workflow run id: a whole number as a string, such as "7"', id);
  return text;
}

function textOf(value: unknown, field: string, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, expected, value);
  return value;
}
