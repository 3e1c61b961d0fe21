/**
 * What the job of a workflow step reads before its handler runs: its run's input and its
 * parents' outcomes (`workflowStepInputs`), and, when the step has a condition in the run's
 * snapshot, the condition's verdict. A map step's element reads no parents: its element is
 * its payload, and loading the source array once per element would cost n² for a fan-out.
 *
 * The run's snapshot (workflow name, input, definition) never changes, so it is read once
 * per run and kept for the few runs this worker is busy with.
 */
import type { Json } from '../core/types.js';
import type { JobStep, StepDefinition, WorkflowDefinition } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { WorkflowStepContext } from '../tasks/define.js';
import type { TaskRegistry } from '../tasks/registry.js';

/** Runs whose snapshot is kept; a worker works on a few runs at a time. */
const SNAPSHOTS_KEPT = 100;

export interface PreparedStep {
  workflow: WorkflowStepContext;
  /** The results of the parents that succeeded. */
  parents: Record<string, Json>;
  /** Why the step is skipped (its condition was false), or null: run the handler. */
  skipped: string | null;
}

interface Snapshot {
  workflow: string;
  input: Json;
  definition: WorkflowDefinition;
}

export class StepPreparer {
  private readonly snapshots = new Map<string, Promise<Snapshot>>();

  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
  ) {}

  async prepare(step: JobStep): Promise<PreparedStep> {
    const snapshot = await this.snapshot(step.runId);
    const base = { runId: step.runId, name: snapshot.workflow, step: step.step, mapIndex: step.mapIndex };
    if (step.mapIndex !== null) return { workflow: { ...base, input: snapshot.input, parents: {} }, parents: {}, skipped: null };
    const inputs = await this.store.workflowStepInputs({ runId: step.runId, step: step.step });
    if (!inputs) throw new Error(`workflow run ${step.runId} has no step ${step.step} (the run was deleted?)`);
    const parents: Record<string, Json> = {};
    for (const [name, outcome] of Object.entries(inputs.parents)) if (outcome.state === 'succeeded') parents[name] = outcome.result;
    const workflow = { ...base, input: inputs.input, parents: inputs.parents };
    const definition = snapshot.definition.steps.find((candidate) => candidate.name === step.step);
    const skipped = definition?.condition ? await this.decide(snapshot.workflow, definition, parents, inputs.input) : null;
    return { workflow, parents, skipped };
  }

  /** Evaluates the step's condition with this worker's code of the workflow; false: the skip reason. */
  private async decide(workflow: string, step: StepDefinition, parents: Record<string, Json>, input: Json): Promise<string | null> {
    const when = this.tasks.workflow(workflow)?.condition(step.name);
    if (!when) {
      throw new Error(
        `step ${step.name} of workflow ${workflow} has a condition (${step.condition}), and this worker does not have workflow ${workflow}'s code to evaluate it; give the worker the workflow (its workflows or tasks folder)`,
      );
    }
    return (await when(parents, input)) ? null : `condition false: ${step.condition}`;
  }

  private snapshot(runId: string): Promise<Snapshot> {
    const known = this.snapshots.get(runId);
    if (known) return known;
    const reading = this.read(runId);
    this.snapshots.set(runId, reading);
    // A failed read is not kept: the next attempt reads again.
    reading.catch(() => this.snapshots.delete(runId));
    if (this.snapshots.size > SNAPSHOTS_KEPT) this.snapshots.delete(this.snapshots.keys().next().value!);
    return reading;
  }

  private async read(runId: string): Promise<Snapshot> {
    const run = await this.store.workflowRunGet({ id: runId });
    if (!run) throw new Error(`workflow run ${runId} does not exist (deleted while its step was claimed?)`);
    return { workflow: run.workflow, input: run.input, definition: run.definition };
  }
}
