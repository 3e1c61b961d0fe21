/**
 * A job's attempts as a timeline, oldest first: when each ran, on which worker, how long,
 * how it ended, and its error with the stack folded away; the attempt running now last.
 * Logs are listed apart, grouped by attempt.
 */
import type { AttemptRecord, JobRecord } from '../../api.js';
import { formatDuration } from '../../components/format.js';
import { StateBadge } from '../../components/state-badge.js';
import { Time } from '../../components/time.js';

function duration(attempt: AttemptRecord): number | null {
  return attempt.startedAt ? Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt) : null;
}

export function AttemptTimeline({ job }: { job: JobRecord }) {
  const attempts = [...job.attempts].sort((a, b) => a.attempt - b.attempt);
  const runningNow = job.state === 'running';
  if (attempts.length === 0 && !runningNow) return <p class="muted">No attempt yet{job.state === 'pending' ? ': the job waits for a worker.' : '.'}</p>;
  return (
    <ol class="timeline" aria-label="Attempts">
      {attempts.map((attempt) => (
        <li key={attempt.attempt} class={`outcome-${attempt.outcome}`} data-testid={`attempt-${attempt.attempt}`}>
          <div class="timeline-head">
            <strong>Attempt {attempt.attempt}</strong>
            <StateBadge state={attempt.outcome} />
            <span>
              <Time value={attempt.startedAt} absolute /> → <Time value={attempt.finishedAt} absolute />
            </span>
            <span class="muted">took {formatDuration(duration(attempt))}</span>
            <span class="muted">on {attempt.worker ?? 'no worker'}</span>
          </div>
          {attempt.error && <AttemptError error={attempt.error} />}
        </li>
      ))}
      {runningNow && (
        <li class="outcome-running" data-testid={`attempt-${job.attempt}`}>
          <div class="timeline-head">
            <strong>Attempt {job.attempt}</strong>
            <StateBadge state="running" />
            <span>
              since <Time value={job.startedAt} absolute /> (<Time value={job.startedAt} />)
            </span>
            <span class="muted">on {job.lockedBy ?? 'a worker'}</span>
          </div>
        </li>
      )}
    </ol>
  );
}

function AttemptError({ error }: { error: NonNullable<AttemptRecord['error']> }) {
  return (
    <>
      <p class="error-message">
        {error.name && error.name !== 'Error' ? `${error.name}: ` : ''}
        {error.message}
      </p>
      {error.stack && (
        <details>
          <summary>Stack trace</summary>
          <pre class="json">{error.stack}</pre>
        </details>
      )}
    </>
  );
}

export function AttemptLogs({ job }: { job: JobRecord }) {
  const withLogs = job.attempts.filter((a) => (a.logs?.length ?? 0) > 0).sort((a, b) => a.attempt - b.attempt);
  if (withLogs.length === 0) return <p class="muted">No log lines{job.state === 'running' ? ' yet (the running attempt’s lines show when it ends)' : ''}.</p>;
  return (
    <>
      {withLogs.map((attempt) => (
        <section key={attempt.attempt} aria-label={`Logs of attempt ${attempt.attempt}`}>
          <h3>Attempt {attempt.attempt}</h3>
          <ul class="logs">
            {attempt.logs!.map((line, i) => (
              <li key={i}>
                <Time value={line.at} absolute />
                {line.message}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </>
  );
}
