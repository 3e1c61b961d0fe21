/**
 * `remote.workflows`: the workflow operations of the client over the HTTP API. A run is
 * started by its workflow's name (the server starts its stored definition); everything the
 * server checks it checks with the client on the database, so the answers and the errors are
 * that client's. Checked here too, with the local client's words: what cannot travel, what
 * would reach another route (a run id), and what the query string's own form would name
 * otherwise (states, limits).
 */
import { ValidationError } from '../core/errors.js';
import type { RunFilter, RunRecord, RunState, WorkflowRecord } from '../core/workflow-types.js';
import type { RunPage, StartOptions, WorkflowClient } from './api.js';
import type { HttpCaller } from './remote-http.js';
import { checkRunId, checkRunPageLimit, checkRunStates, checkText } from './workflow-checks.js';

export class RemoteWorkflows implements WorkflowClient {
  constructor(private readonly http: HttpCaller) {}

  async list(): Promise<WorkflowRecord[]> {
    return (await this.http.call('workflows.list')).workflows;
  }

  async get(name: string): Promise<WorkflowRecord> {
    return this.http.call('workflows.get', { params: { name: checkText(name, 'name', 'a workflow name') } });
  }

  /** Starts a run of the server's stored definition of the workflow (a definition in code: by its name). */
  async start(workflow: { readonly name: string } | string, input?: unknown, options: StartOptions = {}): Promise<{ runId: string; created: boolean }> {
    if (options.tx !== undefined) {
      throw new ValidationError('tx', 'no tx over HTTP: starting a run inside your own transaction needs a client on the database (createOrdo({ db }))', 'a transaction');
    }
    const name = checkText(typeof workflow === 'string' ? workflow : workflow?.name, 'workflow', 'a workflow name, or a workflow(...) whose name the server knows');
    const body: Record<string, unknown> = {};
    if (input !== undefined) body.input = input;
    if (options.uniqueKey !== undefined) body.uniqueKey = options.uniqueKey;
    if (options.traceId !== undefined) body.traceId = options.traceId;
    return this.http.call('workflows.start', { params: { name }, body });
  }

  async getRun(id: string): Promise<RunRecord> {
    return (await this.http.call('workflows.run', { params: { id: checkRunId(id) } })) as RunRecord;
  }

  async listRuns(filter: RunFilter = {}, page: { limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const limit = page.limit === undefined ? undefined : checkRunPageLimit(page.limit);
    // Checked as the local client checks them: the query string's own form would name `state.0`.
    const state = filter.state === undefined ? undefined : checkRunStates(filter.state);
    const cursor = page.cursor === undefined ? undefined : checkRunId(page.cursor, 'cursor');
    return this.http.call('workflows.runs', { query: { workflow: filter.workflow, state, limit, cursor } });
  }

  async cancelRun(id: string): Promise<{ id: string; state: RunState }> {
    return this.http.call('workflows.cancel', { params: { id: checkRunId(id) } });
  }

  async retryRun(id: string): Promise<{ id: string; retried: boolean; state: RunState }> {
    return this.http.call('workflows.retry', { params: { id: checkRunId(id) } });
  }
}
