/**
 * A durable function's progress: its checkpoints in the order the function reached them
 * (kind, name, state, attempts, how long each took, its result or error, what a wait waits
 * for), and what the run waits for now. A spawned child links to its run.
 */
import { DataTable, numeric } from './data-table.js';
import { formatDuration } from './format.js';
import { StateBadge } from './state-badge.js';
import { Time } from './time.js';
import { runPath, type Checkpoint, type RunRecord } from './workflow-wire.js';

/** Longest result shown in the table, as JSON (the API's run record has it whole). */
const MAX_RESULT = 80;

/** What a wait checkpoint waits (or waited) for, with times in local time and a child as a link. */
function WaitFor({ checkpoint }: { checkpoint: Checkpoint }) {
  const until = checkpoint.waitUntil ? (
    <>
      {' '}
      until <Time value={checkpoint.waitUntil} absolute />
    </>
  ) : null;
  if (checkpoint.kind === 'sleep') return until ? <>sleep{until}</> : <>sleep</>;
  if (checkpoint.kind === 'event') {
    return (
      <>
        event <code>{checkpoint.eventKey ?? checkpoint.name}</code>
        {until}
      </>
    );
  }
  if (checkpoint.kind === 'spawn') {
    return checkpoint.childRunId ? <a href={runPath(checkpoint.childRunId)}>child run {checkpoint.childRunId}</a> : <>child {checkpoint.name}</>;
  }
  return null;
}

function Outcome({ checkpoint }: { checkpoint: Checkpoint }) {
  if (checkpoint.error) return <span class="wf-checkpoint-error">{checkpoint.error.message.split('\n', 1)[0]}</span>;
  if (checkpoint.result === null || checkpoint.result === undefined || checkpoint.state === 'waiting') return null;
  const text = JSON.stringify(checkpoint.result);
  return <code title={text.length > MAX_RESULT ? text : undefined}>{text.length > MAX_RESULT ? `${text.slice(0, MAX_RESULT - 1)}…` : text}</code>;
}

function took(checkpoint: Checkpoint): string {
  return checkpoint.finishedAt ? formatDuration(Date.parse(checkpoint.finishedAt) - Date.parse(checkpoint.startedAt)) : '–';
}

/** The checkpoint a running function is suspended on: its last one still waiting. */
export function currentWait(run: RunRecord): Checkpoint | null {
  if (run.state !== 'running') return null;
  return run.checkpoints.filter((c) => c.state === 'waiting').at(-1) ?? null;
}

export function FunctionCheckpoints({ run }: { run: RunRecord }) {
  const waiting = currentWait(run);
  return (
    <section class="card" aria-labelledby="checkpoints-title" data-testid="checkpoints">
      <h2 id="checkpoints-title">Checkpoints</h2>
      {waiting ? (
        <p class="banner" data-testid="current-wait">
          Waiting for <WaitFor checkpoint={waiting} />
        </p>
      ) : null}
      {run.checkpoints.length === 0 ? (
        <p class="muted">None yet: the function has not reached a step or a wait.</p>
      ) : (
        <DataTable class="data wf-checkpoints" columns={[numeric('#'), 'Kind', 'Name', 'State', numeric('Attempts'), 'Took', 'Waits for', 'Result or error']}>
          {run.checkpoints.map((c) => (
            <tr key={c.seq} data-seq={c.seq}>
              <td class="num">{c.seq}</td>
              <td>{c.kind}</td>
              <th scope="row">
                <code>{c.name}</code>
              </th>
              <td>
                <StateBadge state={c.state} />
              </td>
              <td class="num">{c.attempts}</td>
              <td>{took(c)}</td>
              <td>
                <WaitFor checkpoint={c} />
              </td>
              <td>
                <Outcome checkpoint={c} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
