/**
 * `ordo workflows list|start|runs|show|cancel|retry`: workflows and their runs, thin over
 * `ordo.workflows`, on the database or through a server. `show` draws the run's graph with
 * each step's state. A bad flag exits 2 naming it, an unknown workflow or run 3, a retry
 * while a step still runs 5 (`ERROR_MAPPING`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { renameField, ValidationError } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../core/page.js';
import { drawDefinition, drawRun } from '../core/workflow-graph.js';
import { RUN_STATES, type RunState, type RunSummary, type WorkflowRecord } from '../core/workflow-types.js';
import { intOption, type CliContext } from './context.js';

type JsonFlag = { json?: boolean };
interface StartFlags extends JsonFlag {
  input?: string;
  uniqueKey?: string;
}
interface RunsFlags extends JsonFlag {
  workflow?: string;
  state?: string;
  limit: number;
  cursor?: string;
}

/** The flag for each field the client may name in an error. */
const FLAG_OF: Record<string, string> = { input: '--input', uniqueKey: '--unique-key', workflow: '--workflow', state: '--state', limit: '--limit', cursor: '--cursor' };

export function registerWorkflows(cli: CliContext, program: Command): void {
  const workflows = program.command('workflows').description('workflows: steps that depend on steps, their runs, cancel and retry');

  workflows
    .command('list')
    .description('the stored workflow definitions (stored by the workers that have them): name, steps, updated')
    .option('--json', 'print JSON')
    .action(async (flags: JsonFlag, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const list = await ordo.workflows.list();
        if (flags.json) return cli.print.json(list);
        cli.print.table(list.map(definitionRow), ['name', 'steps', 'updated', 'description']);
      });
    });

  workflows
    .command('start')
    .description("start a run of a stored workflow: prints the run's id")
    .argument('<name>', 'workflow name')
    .option('--input <json>', "the run's input: JSON text, or @FILE to read it from a file (@- reads standard input)")
    .option('--unique-key <key>', 'a run with this key that exists already is printed instead of starting another')
    .option('--json', 'print {runId, created} as JSON')
    .action(async (name: string, flags: StartFlags, command: Command) => {
      const input = flags.input === undefined ? undefined : inputOf(flags.input, cli.io);
      await cli.withClient(command, async (ordo) => {
        const options = flags.uniqueKey === undefined ? {} : { uniqueKey: flags.uniqueKey };
        const started = await asFlags(ordo.workflows.start(name, input, options));
        if (flags.json) return cli.print.json(started);
        if (!started.created) cli.print.note(`a run with unique key ${JSON.stringify(flags.uniqueKey)} exists already: run ${started.runId}`);
        cli.print.line(started.runId);
      });
    });

  workflows
    .command('runs')
    .description('runs, newest first: workflow, state, steps per state, created, finished')
    .option('-w, --workflow <name>', 'only runs of this workflow')
    .option('-s, --state <states>', `only these states, comma-separated: ${RUN_STATES.join(',')}`)
    .option('-n, --limit <n>', `at most this many (1–${MAX_PAGE_LIMIT})`, intOption('--limit', 1, MAX_PAGE_LIMIT), DEFAULT_PAGE_LIMIT)
    .option('--cursor <cursor>', 'the next page, as the last page said')
    .option('--json', 'print JSON')
    .action(async (flags: RunsFlags, command: Command) => {
      const filter = { ...(flags.workflow === undefined ? {} : { workflow: flags.workflow }), ...(flags.state === undefined ? {} : { state: statesOf(flags.state) }) };
      await cli.withClient(command, async (ordo) => {
        const page = await asFlags(ordo.workflows.listRuns(filter, { limit: flags.limit, ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }) }));
        if (flags.json) return cli.print.json(page);
        cli.print.table(page.runs.map(runRow), ['id', 'workflow', 'state', 'steps', 'created', 'finished', 'error']);
        cli.print.line(`${page.runs.length} of ${page.total}${page.nextCursor ? `; next page: --cursor ${page.nextCursor}` : ''}`);
      });
    });

  workflows
    .command('show')
    .description("one run: its graph with each step's state, its input and output; or, given a workflow's name, its stored graph")
    .argument('<run-id|workflow>', 'run id, as `ordo workflows runs` shows it, or a workflow name')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: JsonFlag, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        if (!/^\d+$/.test(id)) {
          const stored = await ordo.workflows.get(id);
          if (flags.json) return cli.print.json(stored);
          return cli.print.line(drawDefinition(stored.definition).trimEnd());
        }
        const run = await ordo.workflows.getRun(id);
        if (flags.json) return cli.print.json(run);
        cli.print.line(drawRun(run).trimEnd());
        cli.print.line(`\ninput     ${JSON.stringify(run.input)}`);
        if (run.output !== null) cli.print.line(`output    ${JSON.stringify(run.output)}`);
        if (run.traceId !== null) cli.print.line(`trace id  ${run.traceId}`);
      });
    });

  registerControl(cli, workflows);
}

/** `cancel` and `retry`. */
function registerControl(cli: CliContext, workflows: Command): void {
  workflows
    .command('cancel')
    .description('cancel a running run: its waiting steps are cancelled, its running steps aborted on whichever worker runs them')
    .argument('<run-id>', 'run id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const { state } = await ordo.workflows.cancelRun(id);
        cli.print.line(state === 'cancelled' ? `run ${id}: cancelled` : `run ${id} had already ended: ${state}`);
      });
    });

  workflows
    .command('retry')
    .description('run the failed, cancelled and skipped-by-failure steps of an ended run again, keeping the results of the others')
    .argument('<run-id>', 'run id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const { retried, state } = await ordo.workflows.retryRun(id);
        cli.print.line(retried ? `run ${id}: running again` : `run ${id} is ${state}: nothing to retry`);
      });
    });
}

/** `--input` (or another argument, `field`): JSON text, or `@FILE` (`@-`: standard input) holding JSON. */
export function inputOf(flag: string, from: { cwd: string; readStdin(): string }, field = '--input'): unknown {
  let text = flag;
  if (flag.startsWith('@')) {
    const file = flag.slice(1);
    try {
      text = file === '-' ? from.readStdin() : readFileSync(resolve(from.cwd, file), 'utf8');
    } catch (err) {
      throw new ValidationError(field, 'JSON text, or @FILE naming a readable file of JSON', flag, (err as NodeJS.ErrnoException).code ?? String(err));
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ValidationError(field, 'JSON text (quote it for your shell), or @FILE naming a file of JSON', text, `It is not valid JSON (${(err as Error).message})`);
  }
}

/** `--state failed,cancelled`, each a run state. */
function statesOf(flag: string): RunState[] {
  const states = flag.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = states.find((s) => !RUN_STATES.includes(s as RunState));
  if (states.length === 0 || bad !== undefined) throw new ValidationError('--state', `run states, comma-separated: ${RUN_STATES.join(', ')}`, bad ?? flag);
  return states as RunState[];
}

/** The client's errors in the flags the user typed (`limit` → `--limit`). */
function asFlags<T>(call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => Promise.reject(renameField(err, (field) => FLAG_OF[field] ?? field)));
}

function definitionRow(record: WorkflowRecord): Record<string, unknown> {
  return { name: record.name, steps: record.definition.steps.length, updated: record.updatedAt, description: record.definition.description };
}

function runRow(run: RunSummary): Record<string, unknown> {
  const steps = Object.entries(run.steps).map(([state, count]) => `${state} ${count}`).join(', ');
  return { id: run.id, workflow: run.workflow, state: run.state, steps, created: run.createdAt, finished: run.finishedAt, error: run.error?.message?.slice(0, 60) };
}
