/**
 * One workflow run (`/workflows/runs/:id`): its state and why it failed, the graph of its
 * steps with each step's state, the selected step's details (kept in the URL as `?step=`,
 * so a view can be shared; a failed run opens on its first failed step), every step in a
 * table, its input and output, and cancel and retry for writers. While the run is running,
 * it is fetched again when jobs of its tasks change (the live feed) and every few seconds
 * (a map step's element jobs send events under ids the page does not know).
 *
 * A durable function's run has one step (`main`, whose job runs the function): its page
 * shows the function's checkpoints and what it waits for instead of a graph. A run spawned by
 * another links to its parent.
 */
import { useLocation } from 'preact-iso';
import { api, ApiError, eventJob } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { formatDuration } from '../components/format.js';
import { FunctionCheckpoints } from '../components/function-checkpoints.js';
import { useInterval, useLiveRefresh, usePageTitle, useResource } from '../components/hooks.js';
import { Facts, type Fact } from '../components/facts.js';
import { JsonView } from '../components/json-view.js';
import { RecordHeader, RecordLoadFailure, RecordLoading, TitledCard } from '../components/record-page.js';
import { StateBadge } from '../components/state-badge.js';
import { Time } from '../components/time.js';
import { WorkflowGraph, stepProgress } from '../components/workflow-graph.js';
import { RunActions } from '../components/workflow-run-actions.js';
import { StepDetails } from '../components/workflow-step-details.js';
import { runPath, type RunRecord } from '../components/workflow-wire.js';
import type { PageProps } from '../context.js';
import './workflows.css';

const LIVE_REFRESH_MS = 500;
const RUNNING_REFRESH_MS = 3_000;

/** The step shown in detail: the one in the URL, else a failed run's first failed step. */
function selectedStep(run: RunRecord, asked: string | undefined): string | null {
  if (asked && run.steps.some((step) => step.step === asked)) return asked;
  return run.steps.find((step) => step.state === 'failed')?.step ?? null;
}

export function RunPage({ session, live, params }: PageProps) {
  const id = params.id ?? '';
  usePageTitle(`Run ${id}`);
  const { query, route } = useLocation();
  const run = useResource(() => api<RunRecord>('GET', `/workflows/runs/${encodeURIComponent(id)}`), [id]);
  const running = run.data?.state === 'running';
  const tasks = new Set(run.data?.steps.map((step) => step.task) ?? []);
  useLiveRefresh(live, (events) => running && events.some((event) => tasks.has(eventJob(event)?.task ?? '')), run.reload, LIVE_REFRESH_MS);
  useInterval(run.reload, running ? RUNNING_REFRESH_MS : null);

  if (run.error && !run.data) {
    const gone = run.error instanceof ApiError && run.error.status === 404;
    const message = gone ? `There is no workflow run ${id} (it may have been pruned after its retention).` : `Could not load the run: ${run.error.message}`;
    return <RecordLoadFailure title={`Run ${id}`} message={message} back={{ href: '/workflows', label: 'Back to the runs' }} />;
  }
  if (!run.data) return <RecordLoading title={`Run ${id}`} />;
  const r = run.data;
  const selected = selectedStep(r, query.step);
  const step = r.steps.find((s) => s.step === selected) ?? null;
  const isFunction = r.definition.kind === 'function';
  return (
    <section class="page run-page" aria-labelledby="run-title">
      <p>
        <a href="/workflows">← Workflow runs</a>
      </p>
      <RecordHeader id="run-title" title={`Run ${r.id}`} name={r.workflow} state={r.state} stateTestId="run-state" />
      {r.error && (
        <p class="banner banner-error" role="alert" data-testid="run-error">
          {r.state === 'cancelled' ? 'Cancelled' : 'Failed'}: {r.error.message}
        </p>
      )}
      {run.error && (
        <p class="banner banner-error" role="alert">
          Could not refresh the run (showing what was last loaded): {run.error.message}
        </p>
      )}
      <RunActions run={r} session={session} onChanged={run.reload} />
      <RunFacts run={r} />
      {isFunction ? (
        <FunctionCheckpoints run={r} />
      ) : (
        <>
          <section class="card" aria-labelledby="graph-title">
            <h2 id="graph-title">Steps</h2>
            <p class="hint" id="graph-hint">
              Select a step for its details. Dashed arrows skip on a parent’s failure, dotted ones continue anyway.
            </p>
            <WorkflowGraph runId={r.id} steps={r.steps} selected={selected} onSelect={(name) => route(runPath(r.id, name), true)} />
          </section>
          {step ? <StepDetails run={r} step={step} /> : <p class="muted">Select a step in the graph or the table to see its result, error or reason.</p>}
        </>
      )}
      <StepTable run={r} selected={selected} />
      <div class="grid">
        <TitledCard id="input-title" title="Input">
          <JsonView value={r.input} label="Input" />
        </TitledCard>
        <TitledCard id="output-title" title="Output">
          {r.output === null ? <p class="muted">{r.state === 'running' ? 'Not yet: the run is still running.' : 'None: the run did not succeed.'}</p> : <JsonView value={r.output} label="Output" />}
        </TitledCard>
      </div>
    </section>
  );
}

function RunFacts({ run }: { run: RunRecord }) {
  const took = run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.createdAt) : null;
  const facts: Fact[] = [
    ['Workflow', <a href={`/workflows?workflow=${encodeURIComponent(run.workflow)}`}>{run.workflow}</a>],
    ['Started', <Time value={run.createdAt} absolute />],
    ['Finished', <Time value={run.finishedAt} absolute />],
    ['Took', took === null ? '–' : formatDuration(took)],
    run.definition.kind === 'function' ? ['Checkpoints', String(run.checkpoints.length)] : ['Steps', String(run.steps.length)],
    ['Trace id', run.traceId ? <code>{run.traceId}</code> : '–'],
  ];
  if (run.parentRunId) facts.push(['Spawned by', <a href={runPath(run.parentRunId)}>run {run.parentRunId}</a>]);
  if (run.definition.description) facts.push(['Description', run.definition.description]);
  return <Facts class="facts card" facts={facts} />;
}

/** Every step as a row: the graph's content for readers who cannot see it, and the job links. */
function StepTable({ run, selected }: { run: RunRecord; selected: string | null }) {
  return (
    <DataTable class="data wf-steps" columns={['Step', 'State', 'Task', 'Job', 'Depends on', 'Finished']}>
      {run.steps.map((step) => (
        <tr key={step.step} data-step={step.step} aria-current={step.step === selected ? 'true' : undefined}>
          <th scope="row">
            {/* A function's one step has no details of its own to select: its checkpoints are above. */}
            {run.definition.kind === 'function' ? step.step : <a href={runPath(run.id, step.step)}>{step.step}</a>}
          </th>
          <td>
            <StateBadge state={step.state} />
          </td>
          <td>
            <code>{step.task}</code>
          </td>
          <td>{step.map === null && step.jobId ? <a href={`/jobs/${encodeURIComponent(step.jobId)}`}>job {step.jobId}</a> : stepProgress(step)}</td>
          <td>{step.dependsOn.length === 0 ? <span class="muted">–</span> : step.dependsOn.map((e) => (e.policy === 'fail' ? e.step : `${e.step} (${e.policy})`)).join(', ')}</td>
          <td>
            <Time value={step.finishedAt} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
