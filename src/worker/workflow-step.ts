/**
 * What the job of a workflow step reads before its handler runs: its run's input, its
 * parents' outcomes and its condition (`workflowStepInputs`: one read), and, when the step has
 * a condition, the condition's verdict.
 *
 * A map step's element reads no parents: its element is its payload, and loading the source
 * array once per element would cost n² for a fan-out. It needs only its run's workflow name
 * and input, which never change: they are read once per run (from the map step's inputs) and
 * kept for the few runs this worker is busy with.
 */
import type { Json } from '../core/types.js';
import type { JobStep, StepInputs } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { WorkflowStepContext } from '../tasks/define.js';
import type { TaskRegistry } from '../tasks/registry.js';

/** Runs whose name and input are kept for their map elements; a worker works on a few runs at a time. */
const RUNS_KEPT = 100;

export interface PreparedStep {
  workflow: WorkflowStepContext;
  /** The results of the parents that succeeded. */
  parents: Record<string, Json>;
  /** Why the step is skipped (its condition was false), or null: run the handler. */
  skipped: string | null;
}

interface RunFacts {
  workflow: string;
  input: Json;
}

export class StepPreparer {
  private readonly mapRuns = new Map<string, Promise<RunFacts>>();

  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
  ) {}

  async prepare(step: JobStep): Promise<PreparedStep> {
    if (step.mapIndex !== null) {
      const run = await this.runOfElement(step);
      const workflow = { runId: step.runId, name: run.workflow, step: step.step, mapIndex: step.mapIndex, input: run.input, parents: {} };
      return { workflow, parents: {}, skipped: null };
    }
    const inputs = await this.inputs(step);
    const parents: Record<string, Json> = {};
    for (const [name, outcome] of Object.entries(inputs.parents)) if (outcome.state === 'succeeded') parents[name] = outcome.result;
    const workflow = { runId: step.runId, name: inputs.workflow, step: step.step, mapIndex: null, input: inputs.input, parents: inputs.parents };
    const skipped = inputs.condition ? await this.decide(inputs.workflow, step.step, inputs.condition, parents, inputs.input) : null;
    return { workflow, parents, skipped };
  }

  /** Evaluates the step's condition with this worker's code of the workflow; false: the skip reason. */
  private async decide(workflow: string, step: string, condition: string, parents: Record<string, Json>, input: Json): Promise<string | null> {
    const when = this.tasks.workflow(workflow)?.condition(step);
    if (!when) {
      throw new Error(
        `step ${step} of workflow ${workflow} has a condition (${condition}), and this worker does not have workflow ${workflow}'s code to evaluate it; give the worker the workflow (its workflows or tasks folder)`,
      );
    }
    return (await when(parents, input)) ? null : `condition false: ${condition}`;
  }

  private async inputs(step: JobStep): Promise<StepInputs> {
    const inputs = await this.store.workflowStepInputs({ runId: step.runId, step: step.step });
    if (!inputs) throw new Error(`workflow run ${step.runId} has no step ${step.step} (the run was deleted?)`);
    return inputs;
  }

  private runOfElement(step: JobStep): Promise<RunFacts> {
    const known = this.mapRuns.get(step.runId);
    if (known) return known;
    const reading = this.inputs(step).then(({ workflow, input }) => ({ workflow, input }));
    this.mapRuns.set(step.runId, reading);
    // A failed read is not kept: the next attempt reads again.
    reading.catch(() => this.mapRuns.delete(step.runId));
    if (this.mapRuns.size > RUNS_KEPT) this.mapRuns.delete(this.mapRuns.keys().next().value!);
    return reading;
  }
}
