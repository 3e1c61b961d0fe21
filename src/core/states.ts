/**
 * The job state machine as data: every state a job can be in, and every move between states
 * with the store operation that makes it. The engines' SQL implements exactly these moves
 * (their `CASE` expressions stay SQL and point here); the conformance suite walks every row
 * and tries every move that is not one; docs/job-state-machine.md shows the diagram that
 * `jobStateDiagram()` draws from this table, and a test keeps the two equal.
 *
 * Adding a state means: a row in `JOB_STATE_TABLE` (and in `JobState`), its moves in
 * `JOB_TRANSITIONS`, the SQL that performs them, and a way into it in the contract walk.
 */
import type { JobState } from './types.js';

/** The store operations that create, move or remove jobs (names of `JobStore` methods). */
export type JobOperation = 'jobInsertMany' | 'jobClaim' | 'jobFinishMany' | 'jobCancel' | 'jobRetry' | 'jobRescueExpired' | 'jobDeleteMany' | 'jobPrune';

/** Every operation that may move a job, for walks that try each on each state. */
export const JOB_OPERATIONS: readonly JobOperation[] = ['jobInsertMany', 'jobClaim', 'jobFinishMany', 'jobCancel', 'jobRetry', 'jobRescueExpired', 'jobDeleteMany', 'jobPrune'];

export interface JobStateInfo {
  /** No operation moves a terminal job except an operator's retry or delete, and retention (prune). */
  terminal: boolean;
  description: string;
  /**
   * Operations that act on a job in this state without moving it (a heartbeat, progress,
   * a cancellation request on a running job): neither a transition nor refused.
   */
  stays: readonly string[];
}

/** Every state, in the order of a job's life. */
export const JOB_STATE_TABLE: Readonly<Record<JobState, JobStateInfo>> = {
  pending: { terminal: false, description: 'waiting to be claimed, due at runAt', stays: [] },
  running: { terminal: false, description: 'claimed by a worker, under a lease', stays: ['jobHeartbeat', 'jobProgress', 'jobCancel'] },
  succeeded: { terminal: true, description: 'its last attempt succeeded', stays: [] },
  failed: { terminal: true, description: 'failed for good: attempts used up or a permanent error', stays: [] },
  cancelled: { terminal: true, description: 'cancelled before or while it ran', stays: [] },
};

/** Where a move starts: a state, or `new` for a job that does not exist yet. */
export type TransitionSource = JobState | 'new';
/** Where a move ends: a state, or `deleted` for a row that is gone. */
export type TransitionTarget = JobState | 'deleted';

export interface JobTransition {
  from: TransitionSource;
  to: TransitionTarget;
  operation: JobOperation;
  /** When the operation takes this move rather than another one. */
  when: string;
}

/** Every legal move. Anything not listed leaves the job as it is. */
export const JOB_TRANSITIONS: readonly JobTransition[] = [
  { from: 'new', to: 'pending', operation: 'jobInsertMany', when: 'enqueued (not a duplicate of an active unique key)' },
  { from: 'pending', to: 'running', operation: 'jobClaim', when: 'due, its queue not paused' },
  { from: 'pending', to: 'cancelled', operation: 'jobCancel', when: 'always' },
  { from: 'pending', to: 'deleted', operation: 'jobDeleteMany', when: 'its queue cleaned (the default of `states`)' },
  { from: 'running', to: 'succeeded', operation: 'jobFinishMany', when: 'the attempt succeeded' },
  { from: 'running', to: 'failed', operation: 'jobFinishMany', when: 'the attempt failed for good' },
  { from: 'running', to: 'pending', operation: 'jobFinishMany', when: 'a retry, or a release giving the attempt back; no cancellation requested' },
  { from: 'running', to: 'cancelled', operation: 'jobFinishMany', when: 'cancelled, or would go back to pending with a cancellation requested' },
  { from: 'running', to: 'pending', operation: 'jobRescueExpired', when: 'lease expired, attempts left, no cancellation requested' },
  { from: 'running', to: 'failed', operation: 'jobRescueExpired', when: 'lease expired, attempts used up' },
  { from: 'running', to: 'cancelled', operation: 'jobRescueExpired', when: 'lease expired, cancellation requested' },
  { from: 'failed', to: 'pending', operation: 'jobRetry', when: 'an operator retries it' },
  { from: 'cancelled', to: 'pending', operation: 'jobRetry', when: 'an operator retries it' },
  { from: 'succeeded', to: 'deleted', operation: 'jobDeleteMany', when: 'named in states' },
  { from: 'failed', to: 'deleted', operation: 'jobDeleteMany', when: 'named in states' },
  { from: 'cancelled', to: 'deleted', operation: 'jobDeleteMany', when: 'named in states' },
  { from: 'succeeded', to: 'deleted', operation: 'jobPrune', when: 'finished longer ago than the retention age' },
  { from: 'failed', to: 'deleted', operation: 'jobPrune', when: 'finished longer ago than the retention age' },
  { from: 'cancelled', to: 'deleted', operation: 'jobPrune', when: 'finished longer ago than the retention age' },
];

/** True for states no worker moves a job out of. */
export function isTerminal(state: JobState): boolean {
  return JOB_STATE_TABLE[state].terminal;
}

/** True when `operation` (any, when not given) may move a job from `from` to `to`. */
export function canTransition(from: TransitionSource, to: TransitionTarget, operation?: JobOperation): boolean {
  return JOB_TRANSITIONS.some((t) => t.from === from && t.to === to && (operation === undefined || t.operation === operation));
}

/** The states `operation` may move a job out of (to `to`, when given). */
export function statesMovedBy(operation: JobOperation, to?: TransitionTarget): JobState[] {
  const from = JOB_TRANSITIONS.filter((t) => t.operation === operation && (to === undefined || t.to === to)).map((t) => t.from);
  return [...new Set(from)].filter((s): s is JobState => s !== 'new');
}

/**
 * The table as a Mermaid state diagram: one node per state (terminal ones marked), one edge
 * per (from, to) with the operations that take it. docs/job-state-machine.md embeds it.
 */
export function jobStateDiagram(): string {
  const lines = ['stateDiagram-v2'];
  const node = (s: TransitionSource | TransitionTarget): string => (s === 'new' || s === 'deleted' ? '[*]' : s);
  const edges = new Map<string, string[]>();
  for (const t of JOB_TRANSITIONS) {
    const key = `${node(t.from)} --> ${node(t.to)}`;
    edges.set(key, [...(edges.get(key) ?? []), t.operation]);
  }
  for (const [edge, operations] of edges) lines.push(`  ${edge}: ${[...new Set(operations)].join(', ')}`);
  for (const [state, info] of Object.entries(JOB_STATE_TABLE)) {
    if (info.terminal) lines.push(`  ${state}: ${state} (terminal)`);
  }
  return lines.join('\n');
}

/** The generated part of docs/job-state-machine.md: the diagram and the table of moves. */
export function jobStateMachineMarkdown(): string {
  const rows = JOB_TRANSITIONS.map((t) => `| ${t.from} | ${t.to} | \`${t.operation}\` | ${t.when} |`);
  return ['```mermaid', jobStateDiagram(), '```', '', '| from | to | operation | when |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
