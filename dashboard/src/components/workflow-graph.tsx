/**
 * A run's steps drawn as a graph (SVG): each step a box coloured by its state, saying its
 * task and its job (a map step: how many of its elements are done), and an arrow from each
 * parent to its dependants, dashed for a `skip` edge, dotted for `continue` and thick for the
 * parent a map step fans out over. Selecting a box (click, Enter or Space) shows the step's
 * details beside the graph; its job link opens the job. Positions, colours and dashes are
 * SVG attributes and classes: the dashboard's CSP allows no inline style.
 */
import { useLocation } from 'preact-iso';
import { NODE_HEIGHT, NODE_WIDTH, layoutGraph } from './workflow-layout.js';
import type { RunStep } from './workflow-wire.js';

export interface WorkflowGraphProps {
  runId: string;
  steps: readonly RunStep[];
  selected: string | null;
  onSelect(step: string): void;
}

/** Text cut to fit a box: SVG does not wrap or ellipsize by itself. */
function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The box's third line: the job, or a map step's progress. */
export function stepProgress(step: RunStep): string {
  if (step.map !== null) return step.mapTotal === null ? `map over ${step.map}` : `${step.mapDone}/${step.mapTotal} done`;
  if (step.jobId === null) return step.state === 'waiting' || step.state === 'active' ? 'no job yet' : 'never ran';
  return step.attempt && step.attempt > 1 ? `job ${step.jobId} · attempt ${step.attempt}` : `job ${step.jobId}`;
}

export function WorkflowGraph({ runId, steps, selected, onSelect }: WorkflowGraphProps) {
  const { route } = useLocation();
  const layout = layoutGraph(steps.map((step) => ({ name: step.step, parents: step.dependsOn.map((edge) => edge.step) })));
  const byName = new Map(steps.map((step) => [step.step, step]));
  const markerId = `wf-arrow-${runId}`;
  return (
    <div class="wf-graph-wrap">
      <svg class="wf-graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`} role="group" aria-label={`Steps of run ${runId}`}>
        <defs>
          <marker id={markerId} class="wf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        </defs>
        {layout.edges.map((edge) => {
          const child = byName.get(edge.to)!;
          const policy = child.dependsOn.find((e) => e.step === edge.from)?.policy ?? 'fail';
          const parentState = byName.get(edge.from)?.state ?? 'waiting';
          const mapped = child.map === edge.from;
          const label = mapped ? 'map' : policy === 'fail' ? null : policy;
          return (
            <g key={`${edge.from}->${edge.to}`} class={`wf-edge wf-edge-${policy} wf-from-${parentState}${mapped ? ' wf-edge-map' : ''}`} data-from={edge.from} data-to={edge.to} data-policy={policy}>
              <path d={edge.path} marker-end={`url(#${markerId})`} />
              {label && (
                <text x={edge.labelX} y={edge.labelY - 4} text-anchor="middle" class="wf-edge-label">
                  {label}
                </text>
              )}
            </g>
          );
        })}
        {layout.nodes.map((node) => {
          const step = byName.get(node.name)!;
          const isSelected = selected === step.step;
          const jobHref = step.map === null && step.jobId ? `/jobs/${encodeURIComponent(step.jobId)}` : null;
          return (
            <g key={node.name} transform={`translate(${node.x} ${node.y})`} class={`wf-node wf-node-${step.state}${isSelected ? ' wf-selected' : ''}`} data-step={step.step} data-state={step.state}>
              <g
                role="button"
                tabIndex={0}
                aria-pressed={isSelected}
                aria-label={`Step ${step.step}: ${step.state}`}
                class="wf-node-body"
                onClick={() => onSelect(step.step)}
                onKeyDown={(event) => {
                  if (event.key !== 'Enter' && event.key !== ' ') return;
                  event.preventDefault();
                  onSelect(step.step);
                }}
              >
                <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx="6" />
                <text x="10" y="20" class="wf-node-name">
                  {fit(step.step, 16)}
                  <title>{step.step}</title>
                </text>
                <text x={NODE_WIDTH - 10} y="20" text-anchor="end" class="wf-node-state">
                  {step.state}
                </text>
                <text x="10" y="39" class="wf-node-task">
                  {fit(step.task, 26)}
                </text>
              </g>
              {jobHref ? (
                // An SVG link: preact-iso routes only HTML <a>, so route here and skip the reload.
                <a
                  href={jobHref}
                  class="wf-node-link"
                  onClick={(event) => {
                    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
                    event.preventDefault();
                    route(jobHref);
                  }}
                >
                  <text x="10" y="58">
                    {stepProgress(step)}
                  </text>
                </a>
              ) : (
                <text x="10" y="58" class="wf-node-progress">
                  {stepProgress(step)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
