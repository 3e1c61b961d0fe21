/**
 * What the job of a workflow step reads before its handler runs: its run's input, its
 * parents' outcomes and its condition (`workflowStepInputs`: one read), and, when the step has
 * a condition, the condition's verdict.
 *
 * A map step's element is its payload; it sees what its map step sees (the run's input, the
 * map step's parents), which never changes: read once per run and map step, not once per
 * element (loading the source array per element would cost n² for a fan-out), and kept for
 * the few runs this worker is busy with.
 *
 * A condition receives the run's input as the workflow's input schema makes it (defaults
 * filled in), as the handler does.
 */
import type { Json } from '../core/types.js';
import type { JobStep, StepInputs } from '../core/workflow-types.js';
import type { Store } from '../store/contract.js';
import type { WorkflowStepContext } from '../tasks/define.js';
import type { TaskRegistry } from '../tasks/registry.js';

/** Map steps whose inputs are kept for their elements; a worker works on a few runs at a time. */
const MAPS_KEPT = 100;

export interface PreparedStep {
  workflow: WorkflowStepContext;
  /** The results of the parents that succeeded. */
  parents: Record<string, Json>;
  /** Why the step is skipped (its condition was false), or null: run the handler. */
  skipped: string | null;
}

export class StepPreparer {
  /** A map step's inputs by `runId:step`, most recently used last. */
  private readonly maps = new Map<string, Promise<StepInputs>>();

  constructor(
    private readonly store: Store,
    private readonly tasks: TaskRegistry,
  ) {}

  async prepare(step: JobStep): Promise<PreparedStep> {
    const inputs = step.mapIndex === null ? await this.inputs(step) : await this.mapInputs(step);
    const parents: Record<string, Json> = {};
    for (const [name, outcome] of Object.entries(inputs.parents)) if (outcome.state === 'succeeded') parents[name] = outcome.result;
    const workflow = { runId: step.runId, name: inputs.workflow, step: step.step, mapIndex: step.mapIndex, input: inputs.input, parents: inputs.parents };
    // A map step has no condition (the definition check refuses one).
    const skipped = inputs.condition && step.mapIndex === null ? await this.decide(inputs.workflow, step.step, inputs.condition, parents, inputs.input) : null;
    return { workflow, parents, skipped };
  }

  /** Evaluates the step's condition with this worker's code of the workflow; false: the skip reason. */
  private async decide(workflow: string, step: string, condition: string, parents: Record<string, Json>, input: Json): Promise<string | null> {
    const code = this.tasks.workflow(workflow);
    const when = code?.condition(step);
    if (!code || !when) {
      throw new Error(
        `step ${step} of workflow ${workflow} has a condition (${condition}), and this worker does not have workflow ${workflow}'s code to evaluate it; give the worker the workflow (its workflows or tasks folder)`,
      );
    }
    const schema = code.options.input;
    return (await when(parents, schema ? schema.parse(input) : input)) ? null : `condition false: ${condition}`;
  }

  private async inputs(step: JobStep): Promise<StepInputs> {
    const inputs = await this.store.workflowStepInputs({ runId: step.runId, step: step.step });
    if (!inputs) throw new Error(`workflow run ${step.runId} has no step ${step.step} (the run was deleted?)`);
    return inputs;
  }

  private mapInputs(step: JobStep): Promise<StepInputs> {
    const key = `${step.runId}:${step.step}`;
    const known = this.maps.get(key);
    if (known) {
      this.maps.delete(key);
      this.maps.set(key, known);
      return known;
    }
    const reading = this.inputs(step);
    this.maps.set(key, reading);
    // A failed read is not kept: the next attempt reads again.
    reading.catch(() => this.maps.delete(key));
    if (this.maps.size > MAPS_KEPT) this.maps.delete(this.maps.keys().next().value!);
    return reading;
  }
}
