/**
 * One job (`/jobs/:id`): its facts, payload and result, the timeline of its attempts with
 * their errors, its logs, and the actions the session may take. It follows the live feed:
 * an event about this job fetches it again, so a retried job is seen running and then
 * succeeding without a reload. While it runs, it is also fetched every 5 s, because
 * progress changes send no event.
 */
import { useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, eventJob, type JobRecord } from '../api.js';
import { formatDuration } from '../components/format.js';
import { useInterval, useLiveRefresh, usePageTitle, useResource } from '../components/hooks.js';
import { Facts, type Fact } from '../components/facts.js';
import { JsonView } from '../components/json-view.js';
import { RecordHeader, RecordLoadFailure, RecordLoading, TitledCard } from '../components/record-page.js';
import { Time } from '../components/time.js';
import { runPath } from '../components/workflow-wire.js';
import type { PageProps } from '../context.js';
import { AttemptLogs, AttemptTimeline } from './jobs/attempts.js';
import { JobActions } from './jobs/job-actions.js';
import './jobs/jobs.css';

const LIVE_REFRESH_MS = 500;
const RUNNING_REFRESH_MS = 5_000;

export function JobPage({ session, live, params }: PageProps) {
  const id = params.id ?? '';
  usePageTitle(`Job ${id}`);
  const { route } = useLocation();
  const job = useResource(() => api<JobRecord>('GET', `/jobs/${encodeURIComponent(id)}`), [id]);
  // Set when this page deletes the job: fetching it again could only answer 404.
  const deleting = useRef(false);
  const refresh = () => {
    if (!deleting.current) job.reload();
  };
  useLiveRefresh(live, (events) => events.some((event) => eventJob(event)?.id === id), refresh, LIVE_REFRESH_MS);
  useInterval(refresh, job.data?.state === 'running' ? RUNNING_REFRESH_MS : null);
  const gone = job.error instanceof ApiError && job.error.status === 404;

  if (job.error && !job.data) {
    const message = gone ? `There is no job ${id} (deleted, or pruned after its retention).` : `Could not load the job: ${job.error.message}`;
    return <RecordLoadFailure title={`Job ${id}`} message={message} back={{ href: '/jobs', label: 'Back to the jobs' }} />;
  }
  if (!job.data) return <RecordLoading title={`Job ${id}`} />;
  const j = job.data;
  return (
    <section class="page" aria-labelledby="job-title">
      <p>
        <a href="/jobs">← Jobs</a>
      </p>
      <RecordHeader id="job-title" title={`Job ${j.id}`} name={j.task} state={j.state} stateTestId="job-state" />
      {gone && (
        <p class="banner banner-error" role="alert">
          This job no longer exists: it was deleted (or pruned) while you were looking.
        </p>
      )}
      {job.error && !gone && (
        <p class="banner banner-error" role="alert">
          Could not refresh the job (showing what was last loaded): {job.error.message}
        </p>
      )}
      {!gone && <JobActions job={j} session={session} onChanged={refresh} onDeleting={(active) => (deleting.current = active)} onDeleted={() => route('/jobs')} />}
      <JobFacts job={j} />
      <div class="grid">
        <TitledCard id="payload-title" title="Payload">
          <JsonView value={j.payload} label="Payload" />
        </TitledCard>
        <TitledCard id="result-title" title="Result">
          {j.result === null && j.state !== 'succeeded' ? <p class="muted">No result{j.state === 'failed' ? ': the job failed' : ' yet'}.</p> : <JsonView value={j.result} label="Result" />}
        </TitledCard>
      </div>
      <TitledCard id="attempts-title" title="Attempts">
        <AttemptTimeline job={j} />
      </TitledCard>
      <TitledCard id="logs-title" title="Logs">
        <AttemptLogs job={j} />
      </TitledCard>
    </section>
  );
}

function JobFacts({ job }: { job: JobRecord }) {
  const facts: Fact[] = [
    ['Queue', <a href={`/jobs?queue=${encodeURIComponent(job.queue)}`}>{job.queue}</a>],
    ['Attempts', `${job.attempt} of at most ${job.maxAttempts}`],
    ['Priority', String(job.priority)],
    ['Created', <Time value={job.createdAt} absolute />],
    ['Run at', <Time value={job.runAt} absolute />],
    ['Started', <Time value={job.startedAt} absolute />],
    ['Finished', <Time value={job.finishedAt} absolute />],
    ['Worker', job.lockedBy ?? '–'],
    ['Timeout', job.timeoutMs === null ? 'none' : formatDuration(job.timeoutMs)],
    ['Trace id', job.traceId ? <code>{job.traceId}</code> : '–'],
  ];
  const step = job.workflow;
  if (step) facts.unshift(['Workflow run', <a href={runPath(step.runId, step.step)}>run {step.runId}, step {step.step}{step.mapIndex === null ? '' : ` [${step.mapIndex}]`}</a>]);
  if (job.uniqueKey) facts.push(['Unique key', <code>{job.uniqueKey}</code>]);
  if (job.cancelRequested) facts.push(['Cancellation', 'requested: the handler was asked to stop']);
  return (
    <Facts class="facts card" facts={facts}>
      {job.progress !== null && (
        <div>
          <dt id="progress-label">Progress</dt>
          <dd>
            <progress max={100} value={job.progress} aria-labelledby="progress-label" /> {Math.round(job.progress)}%
          </dd>
        </div>
      )}
    </Facts>
  );
}
