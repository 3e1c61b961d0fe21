/**
 * One step of a run in words: its state and why (the reason a step was skipped or
 * cancelled, its error with the stack folded away), its task and job (a map step: its
 * elements' progress by state, and the jobs list narrowed as far as the API allows), its
 * edges with their policies, its condition, and its result.
 */
import { Facts, type Fact } from './facts.js';
import { JsonView } from './json-view.js';
import { StateBadge } from './state-badge.js';
import { Time } from './time.js';
import type { RunRecord, RunStep } from './workflow-wire.js';

/** The jobs page narrowed to a map step's jobs as well as its filters can: the task, since the run started. */
export function mapJobsHref(run: RunRecord, step: RunStep): string {
  return `/jobs?${new URLSearchParams({ task: step.task, createdFrom: run.createdAt }).toString()}`;
}

/** How a reason is introduced: the state it explains. */
const REASON_LABELS: Partial<Record<RunStep['state'], string>> = { skipped: 'Skipped', cancelled: 'Cancelled' };

function StepJob({ run, step }: { run: RunRecord; step: RunStep }) {
  if (step.map !== null) {
    const counts = Object.entries(step.mapJobs ?? {}).filter(([, n]) => n > 0);
    return (
      <>
        {step.mapTotal === null ? 'not expanded yet' : `${step.mapDone} of ${step.mapTotal} elements done`}
        {counts.length > 0 && <span class="muted"> ({counts.map(([state, n]) => `${n} ${state}`).join(', ')})</span>}{' '}
        <a href={mapJobsHref(run, step)}>jobs of task {step.task}</a>
      </>
    );
  }
  if (!step.jobId) return <span class="muted">none yet</span>;
  return (
    <>
      <a href={`/jobs/${encodeURIComponent(step.jobId)}`}>job {step.jobId}</a> {step.jobState && <StateBadge state={step.jobState} />}
      {step.attempt !== null && <span class="muted"> attempt {step.attempt}</span>}
    </>
  );
}

export function StepDetails({ run, step }: { run: RunRecord; step: RunStep }) {
  const facts: Fact[] = [
    ['Task', <code>{step.task}</code>],
    [step.map !== null ? 'Elements' : 'Job', <StepJob run={run} step={step} />],
    ['Depends on', step.dependsOn.length === 0 ? <span class="muted">nothing (a root step)</span> : step.dependsOn.map((e) => `${e.step} (${e.policy})`).join(', ')],
    ['Started', <Time value={step.startedAt} absolute />],
    ['Finished', <Time value={step.finishedAt} absolute />],
  ];
  if (step.map !== null) facts.push(['Maps over', step.map]);
  if (step.condition !== null) facts.push(['Condition', <code>{step.condition}</code>]);
  return (
    <section class="card wf-step" aria-labelledby="wf-step-title" data-testid="step-details">
      <div class="page-header">
        <h2 id="wf-step-title">Step {step.step}</h2>
        <StateBadge state={step.state} />
      </div>
      {step.reason && (
        <p class="wf-reason" data-testid="step-reason">
          {REASON_LABELS[step.state] ?? 'Reason'}: {step.reason}
        </p>
      )}
      {step.error && (
        <div class="banner banner-error" role="alert" data-testid="step-error">
          <p class="error-message">
            {step.error.name && step.error.name !== 'Error' ? `${step.error.name}: ` : ''}
            {step.error.message}
          </p>
          {step.error.stack && (
            <details>
              <summary>Stack trace</summary>
              <pre class="json">
                <code>{step.error.stack}</code>
              </pre>
            </details>
          )}
        </div>
      )}
      <Facts facts={facts} />
      <h3>Result</h3>
      {step.result === null && step.state !== 'succeeded' ? <p class="muted">No result{step.state === 'active' || step.state === 'waiting' ? ' yet' : ''}.</p> : <JsonView value={step.result} label={`Result of step ${step.step}`} />}
    </section>
  );
}
