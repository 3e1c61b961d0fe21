/**
 * A workflow as text for a terminal (`ordo workflows show`): one line per step, in
 * topological layers (a step below all of its parents), each line its parents with their
 * non-default policies, the step, and (for a run) its state and what explains it: its job,
 * a map's progress, why it was skipped or cancelled, the error it failed with. Plain text and
 * stable (definition order within a layer), so a test or a diff can read it.
 *
 *   run 42  nightly-report  failed  (step b failed: boom)
 *             a  succeeded  job 101
 *        a ─▶ b  failed     job 102  boom
 *        a ─▶ c  succeeded  job 103
 *     b, c ─▶ d  cancelled  (run failed: step b failed)
 *
 * A durable function's run is its checkpoints instead, in the order the function reached
 * them, with what the run waits for now on the header line:
 *
 *   run 7  onboard  running  waiting for event confirm:7 until 2026-01-02T03:04:05Z
 *     SEQ  KIND   NAME       STATE      ATTEMPTS  TOOK  DETAILS
 *     0    step   charge     succeeded  2         1s    {"ok":true}
 *     1    event  confirm:7  waiting    0               event confirm:7 until 2026-01-02T03:04:05Z
 */
import { formatDuration } from './duration.js';
import type { ErrorInfo } from './types.js';
import type { Checkpoint, RunRecord, RunStep, StepDefinition, StepEdge, WorkflowDefinition } from './workflow-types.js';

/** Longest error message shown on a step's line (the run's JSON has it whole). */
const MAX_MESSAGE = 120;
/** Longest result shown on a checkpoint's line, as JSON. */
const MAX_RESULT = 60;

interface Line {
  edges: string;
  name: string;
  state: string;
  details: string[];
}

/** A run: its header, then each step (a durable function: each checkpoint) with its state and details. */
export function drawRun(run: RunRecord): string {
  const error = run.error ? `  (${firstLine(run.error)})` : '';
  const wait = run.state === 'running' ? currentWait(run.checkpoints) : null;
  const header = [`run ${run.id}  ${run.workflow}  ${run.state}${error}${wait ? `  waiting for ${wait}` : ''}`];
  if (run.parentRunId !== null) header.push(`  spawned by run ${run.parentRunId}`);
  if (run.definition.kind === 'function') return [...header, ...drawCheckpoints(run.checkpoints)].join('\n') + '\n';
  const byName = new Map(run.steps.map((step) => [step.step, step]));
  const lines = inLayers(run.definition.steps).map((def) => {
    const step = byName.get(def.name);
    return { edges: edgesOf(def.dependsOn), name: def.name, state: step?.state ?? 'unknown', details: step ? runDetails(def, step) : [] };
  });
  return [...header, ...render(lines)].join('\n') + '\n';
}

/** What a running function waits for now: its last checkpoint still waiting, described; null when none is. */
export function currentWait(checkpoints: readonly Checkpoint[]): string | null {
  const waiting = checkpoints.filter((c) => c.state === 'waiting').at(-1);
  return waiting ? waitOf(waiting) : null;
}

/** What a wait checkpoint waits (or waited) for: `until TIME`, `event KEY until TIME`, `child run N`. */
export function waitOf(checkpoint: Checkpoint): string | null {
  const until = checkpoint.waitUntil ? `until ${timeText(checkpoint.waitUntil)}` : null;
  switch (checkpoint.kind) {
    case 'sleep':
      return until ?? 'a sleep';
    case 'event':
      return [`event ${checkpoint.eventKey ?? checkpoint.name}`, until].filter(Boolean).join(' ');
    case 'spawn':
      return checkpoint.childRunId === null ? `child ${checkpoint.name}` : `child run ${checkpoint.childRunId}`;
    default:
      return null;
  }
}

/** How long a checkpoint took (to its end), empty while it has not ended. */
export function checkpointTook(checkpoint: Checkpoint): string {
  return checkpoint.finishedAt ? formatDuration(Math.max(0, checkpoint.finishedAt.getTime() - checkpoint.startedAt.getTime())) : '';
}

/** A checkpoint's outcome in short: its error's first line, else its result as JSON (cut), else nothing. */
export function checkpointOutcome(checkpoint: Checkpoint): string {
  if (checkpoint.error) return firstLine(checkpoint.error);
  if (checkpoint.result === null || checkpoint.state === 'waiting') return '';
  const text = JSON.stringify(checkpoint.result);
  return text.length > MAX_RESULT ? `${text.slice(0, MAX_RESULT - 1)}…` : text;
}

/** A function's checkpoints as aligned columns, with a heading; a line saying so when there are none. */
function drawCheckpoints(checkpoints: readonly Checkpoint[]): string[] {
  if (checkpoints.length === 0) return ['  (no checkpoints yet)'];
  const rows = [
    ['SEQ', 'KIND', 'NAME', 'STATE', 'ATTEMPTS', 'TOOK', 'DETAILS'],
    ...checkpoints.map((c) => [String(c.seq), c.kind, c.name, c.state, String(c.attempts), checkpointTook(c), [waitOf(c), checkpointOutcome(c)].filter(Boolean).join('  ')]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

/** A time as ISO 8601 to the second (a wait is never about milliseconds). */
function timeText(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A definition: its header, then each step with its task and settings. */
export function drawDefinition(definition: WorkflowDefinition): string {
  const count = `${definition.steps.length} step${definition.steps.length === 1 ? '' : 's'}`;
  const header = `workflow ${definition.name}  ${count}${definition.description ? `  ${definition.description}` : ''}`;
  const lines = inLayers(definition.steps).map((def) => ({
    edges: edgesOf(def.dependsOn),
    name: def.name,
    state: `task ${def.task}`,
    details: definitionDetails(def, definition.output === def.name),
  }));
  return [header, ...render(lines)].join('\n') + '\n';
}

function runDetails(def: StepDefinition, step: RunStep): string[] {
  const details: string[] = [];
  if (def.map !== null) details.push(step.mapTotal === null ? `map over ${def.map}` : `${step.mapDone}/${step.mapTotal}`);
  if (step.jobId !== null) details.push(`job ${step.jobId}`);
  if (step.attempt !== null && step.attempt > 1) details.push(`attempt ${step.attempt}`);
  if (step.mapJobs) {
    const counts = Object.entries(step.mapJobs).filter(([state, n]) => state !== 'succeeded' && n);
    if (counts.length > 0) details.push(counts.map(([state, n]) => `${n} ${state}`).join(', '));
  }
  if (step.state === 'failed' && step.error) details.push(firstLine(step.error));
  if ((step.state === 'skipped' || step.state === 'cancelled') && step.reason) details.push(`(${step.reason})`);
  return details;
}

function definitionDetails(def: StepDefinition, isOutput: boolean): string[] {
  const details: string[] = [];
  if (def.queue !== 'default') details.push(`queue ${def.queue}`);
  if (def.map !== null) details.push(`map over ${def.map}`);
  if (def.condition !== null) details.push(`when ${def.condition}`);
  if (isOutput) details.push('(output)');
  return details;
}

/** Parents with their policy when it is not the default: `b (continue), c ─▶ `; a root: nothing. */
function edgesOf(dependsOn: readonly StepEdge[]): string {
  if (dependsOn.length === 0) return '';
  return `${dependsOn.map((e) => (e.policy === 'fail' ? e.step : `${e.step} (${e.policy})`)).join(', ')} ─▶ `;
}

/** Steps by layer (a root: 0; else one below its deepest parent), definition order within one. */
export function inLayers(steps: readonly StepDefinition[]): StepDefinition[] {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const layers = new Map<string, number>();
  const layerOf = (name: string, seen: ReadonlySet<string>): number => {
    const known = layers.get(name);
    if (known !== undefined) return known;
    const step = byName.get(name);
    // An unknown parent or a cycle (refused by the check): drawn as a root rather than looping.
    if (!step || seen.has(name)) return 0;
    const next = new Set(seen).add(name);
    const layer = step.dependsOn.reduce((deepest, e) => Math.max(deepest, byName.has(e.step) ? layerOf(e.step, next) + 1 : 0), 0);
    layers.set(name, layer);
    return layer;
  };
  return steps.map((step, index) => ({ step, index, layer: layerOf(step.name, new Set()) }))
    .sort((a, b) => a.layer - b.layer || a.index - b.index)
    .map((entry) => entry.step);
}

/** Lines in columns: parents right-aligned up to the step names, then states, then details. */
function render(lines: readonly Line[]): string[] {
  const edges = Math.max(0, ...lines.map((l) => l.edges.length));
  const names = Math.max(0, ...lines.map((l) => l.name.length));
  const states = Math.max(0, ...lines.map((l) => l.state.length));
  return lines.map((l) => `  ${l.edges.padStart(edges)}${l.name.padEnd(names)}  ${l.state.padEnd(states)}  ${l.details.join('  ')}`.trimEnd());
}

function firstLine(error: ErrorInfo): string {
  const line = error.message.split('\n', 1)[0] ?? '';
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE - 1)}…` : line;
}
