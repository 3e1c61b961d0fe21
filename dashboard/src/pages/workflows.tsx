/**
 * Workflow runs (`/workflows`): newest first, filtered by workflow and state (kept in the
 * URL, so a view can be shared), a page at a time by the server's cursor (a stack of
 * cursors takes Previous back). Each run shows its state, how many of its steps are in each
 * state, when it started and ended, and why it failed. Runs advance when their jobs end, so
 * job events refresh the page, at most once a second.
 */
import { useLocation } from 'preact-iso';
import { api, ApiError, eventJob } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { formatCount } from '../components/format.js';
import { Pager, useCursorPages } from '../components/pager.js';
import { useLiveRefresh, usePageTitle, useResource } from '../components/hooks.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { RUN_STATES, STEP_STATES, runPath, type RunPage, type RunState, type RunSummary, type WorkflowRecord } from '../components/workflow-wire.js';
import type { PageProps } from '../context.js';
import { valueOf } from './forms/field.js';
import './workflows.css';

const PAGE_SIZE = 50;
const LIVE_REFRESH_MS = 1_000;

interface RunFilter {
  workflow: string;
  state: RunState | '';
}

function filterFromQuery(query: Record<string, string | undefined>): RunFilter {
  const state = RUN_STATES.find((s) => s === query.state) ?? '';
  return { workflow: query.workflow ?? '', state };
}

function filterToSearch(filter: RunFilter): string {
  const params = new URLSearchParams();
  if (filter.workflow) params.set('workflow', filter.workflow);
  if (filter.state) params.set('state', filter.state);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function WorkflowsPage({ live }: PageProps) {
  usePageTitle('Workflow runs');
  const location = useLocation();
  const filter = filterFromQuery(location.query);
  const search = filterToSearch(filter);
  const pages = useCursorPages(search);
  const page = useResource(() => api<RunPage>('GET', '/workflows/runs', { query: { workflow: filter.workflow, state: filter.state, limit: PAGE_SIZE, cursor: pages.cursor } }), [search, pages.cursor]);
  const workflows = useResource(() => api<{ workflows: WorkflowRecord[] }>('GET', '/workflows').then((a) => a.workflows.map((w) => w.name)), []);
  useLiveRefresh(live, (events) => events.some((event) => eventJob(event) !== null), page.reload, LIVE_REFRESH_MS);
  const apply = (next: RunFilter) => location.route(`/workflows${filterToSearch(next)}`);
  const fieldError = page.error instanceof ApiError && page.error.field ? page.error : null;

  return (
    <section class="page" aria-labelledby="runs-title">
      <div class="page-header">
        <h1 id="runs-title">Workflow runs</h1>
        <p class="muted" aria-live="polite" data-testid="runs-total">
          {page.data ? `${formatCount(page.data.total)} matching` : page.loading ? 'Loading…' : ''}
        </p>
      </div>
      <form class="filters wf-filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="runs-workflow">Workflow</label>
          <select id="runs-workflow" value={filter.workflow} onChange={(e) => apply({ ...filter, workflow: valueOf(e) })}>
            <option value="">All workflows</option>
            {[...new Set([...(workflows.data ?? []), ...(filter.workflow ? [filter.workflow] : [])])].sort().map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="runs-state">State</label>
          <select id="runs-state" value={filter.state} onChange={(e) => apply({ ...filter, state: filterFromQuery({ state: valueOf(e) }).state })}>
            <option value="">Any state</option>
            {RUN_STATES.map((state) => (
              <option key={state} value={state}>
                {state}
              </option>
            ))}
          </select>
        </div>
      </form>
      {page.error && (
        <p class="banner banner-error" role="alert">
          Could not load the runs: {fieldError ? `${fieldError.field}: ` : ''}
          {page.error.message}
        </p>
      )}
      {page.data && page.data.runs.length === 0 && <p class="muted">{search ? 'No run matches this filter.' : 'No workflow has run yet.'}</p>}
      {page.data && page.data.runs.length > 0 && <RunTable runs={page.data.runs} />}
      <Pager pages={pages} nextCursor={page.data?.nextCursor} />
    </section>
  );
}

/** "2 succeeded · 1 failed · 1 skipped": the step counts in the order steps live. */
export function StepCounts({ steps }: { steps: RunSummary['steps'] }) {
  const counts = STEP_STATES.filter((state) => (steps[state] ?? 0) > 0);
  if (counts.length === 0) return <span class="muted">–</span>;
  return (
    <span class="wf-counts">
      {counts.map((state) => (
        <span key={state} class={`wf-count badge badge-${state}`} data-state={state}>
          {formatCount(steps[state]!)} {state}
        </span>
      ))}
    </span>
  );
}

function RunTable({ runs }: { runs: readonly RunSummary[] }) {
  return (
    <DataTable class="data runs" columns={['Run', 'Workflow', 'State', 'Steps', 'Started', 'Finished', 'Error']}>
      {runs.map((run) => (
        <tr key={run.id} data-run={run.id}>
          <th scope="row">
            <a href={runPath(run.id)}>Run {run.id}</a>
          </th>
          <td>
            <a href={`/workflows?workflow=${encodeURIComponent(run.workflow)}`}>{run.workflow}</a>
          </td>
          <td>
            <StateBadge state={run.state} />
          </td>
          <td>
            <StepCounts steps={run.steps} />
          </td>
          <td>
            <Time value={run.createdAt} />
          </td>
          <td>
            <Time value={run.finishedAt} />
          </td>
          <td class="wf-error-cell">{run.error ? <span title={run.error.message}>{run.error.message}</span> : <span class="muted">–</span>}</td>
        </tr>
      ))}
    </DataTable>
  );
}
