/**
 * `remote.workflows`: the workflow operations of the client over the HTTP API. A run is
 * started by its workflow's name (the server starts its stored definition); everything the
 * server checks it checks with the client on the database, so the answers and the errors are
 * that client's. Only what cannot travel, or would reach another route, is refused here.
 */
import { ValidationError } from '../core/errors.js';
import { MAX_PAGE_LIMIT } from '../core/page.js';
import type { RunFilter, RunRecord, RunState, WorkflowRecord } from '../core/workflow-types.js';
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
    const state = filter.state === undefined ? undefined : ([filter.state].flat() as string[]);
    if (state?.length === 0) throw new ValidationError('state', 'one or more run states', state);
    return this.http.call('workflows.runs', { query: { workflow: filter.workflow, state, limit, cursor: page.cursor } });
  }

  async cancelRun(id: string): Promise<{ id: string; state: RunState }> {
    return this.http.call('workflows.cancel', { params: { id: runIdOf(id) } });
  }

  async retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }> {
    return this.http.call('workflows.retry', { params: { id: runIdOf(id) } });
  }
}

/** A run id as text (a whole number is taken as its digits); empty text would name another route. */
function runIdOf(id: unknown): string {
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  return textOf(text, 'id', 'a workflow run id: a whole number as a string, such as "7"');
}

function textOf(value: unknown, field: string, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(field, expected, value);
  return value;
}
