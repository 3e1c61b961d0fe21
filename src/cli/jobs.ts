/**
 * `ordo jobs list|show|cancel|retry|delete`. The rules (not found, already ended, not
 * retryable, running) are the client's; these commands print what it answers.
 */
import type { Command } from 'commander';
import { jsonObjectFromText } from '../client/json-containment.js';
import type { CancelResult } from '../client/ordo.js';
import { renameField } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../core/page.js';
import type { JobRecord, JobState } from '../core/types.js';
import { intOption, type CliContext } from './context.js';
import type { Printer } from './output.js';

interface ListFlags {
  state?: string;
  queue?: string;
  task?: string;
  worker?: string;
  createdFrom?: string;
  createdTo?: string;
  search?: string;
  resultSearch?: string;
  payloadContains?: string;
  resultContains?: string;
  before?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}

/** The flag for each field of a listing the client may name in an error. */
const LIST_FLAGS: Record<string, string> = {
  state: '--state',
  queue: '--queue',
  task: '--task',
  workerId: '--worker',
  createdFrom: '--created-from',
  createdTo: '--created-to',
  payloadText: '--search',
  resultText: '--result-search',
  payloadContains: '--payload-contains',
  resultContains: '--result-contains',
  before: '--before',
  limit: '--limit',
  offset: '--offset',
};

export function registerJobs(cli: CliContext, program: Command): void {
  const jobs = program.command('jobs').description('inspect and control jobs');

  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('-s, --state <states>', 'only these states, comma-separated: pending,running,succeeded,failed,cancelled')
    .option('-q, --queue <queue>', 'only this queue')
    .option('-t, --task <task>', 'only this task')
    .option('-w, --worker <name>', 'only jobs run by this worker')
    .option('--created-from <time>', 'only jobs created at or after this time: ISO 8601 or epoch seconds')
    .option('--created-to <time>', 'only jobs created before this time: ISO 8601 or epoch seconds')
    .option('--search <text>', "only jobs whose payload's JSON contains this text (case-insensitive)")
    .option('--result-search <text>', "only jobs whose result's JSON contains this text (case-insensitive)")
    .option('--payload-contains <json>', 'only jobs whose payload contains this JSON object, such as \'{"customer":42}\'')
    .option('--result-contains <json>', 'only jobs whose result contains this JSON object')
    .option('--before <id>', 'only jobs older than this id: the next page after one ending there (fast however deep)')
    .option('-n, --limit <n>', `at most this many (1–${MAX_PAGE_LIMIT})`, intOption('--limit'), DEFAULT_PAGE_LIMIT)
    .option('--offset <n>', 'skip this many', intOption('--offset'), 0)
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags, command: Command) => {
      const state = flags.state?.split(',').map((s) => s.trim()) as JobState[] | undefined;
      const filter = {
        state,
        queue: flags.queue,
        task: flags.task,
        workerId: flags.worker,
        createdFrom: flags.createdFrom,
        createdTo: flags.createdTo,
        payloadText: flags.search,
        resultText: flags.resultSearch,
        payloadContains: flags.payloadContains === undefined ? undefined : (jsonObjectFromText(flags.payloadContains, '--payload-contains') ?? {}),
        resultContains: flags.resultContains === undefined ? undefined : (jsonObjectFromText(flags.resultContains, '--result-contains') ?? {}),
      };
      await cli.withClient(command, async (ordo) => {
        const page = await ordo.listJobs(defined(filter), defined({ limit: flags.limit, offset: flags.offset, before: flags.before })).catch((err: unknown) => {
          throw renameField(err, (field) => LIST_FLAGS[field] ?? field);
        });
        if (flags.json) return cli.print.json(page);
        cli.print.table(page.jobs.map(summary), ['id', 'task', 'queue', 'state', 'attempt', 'runAt', 'worker', 'error']);
        cli.print.line(`${page.jobs.length} of ${page.total}${page.nextCursor ? `; next page: --before ${page.nextCursor}` : ''}`);
      });
    });

  jobs
    .command('show')
    .description('show one job with its attempts')
    .argument('<id>', 'job id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const job = await ordo.job(id);
        if (flags.json) return cli.print.json(job);
        printJob(cli.print, job, job.state === 'pending' ? await ordo.waitReason(job) : null);
      });
    });

  jobs
    .command('cancel')
    .description('cancel a pending job, or abort a running one')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        cli.print.line(`job ${id}: ${cancelMessage(await ordo.cancel(id))}`);
      });
    });

  jobs
    .command('retry')
    .description('run a failed or cancelled job again')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        await ordo.retry(id);
        cli.print.line(`job ${id}: pending again`);
      });
    });

  jobs
    .command('delete')
    .description('delete a job that is not running, with its attempts and logs (cancel a running one first)')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        await ordo.deleteJob(id);
        cli.print.line(`job ${id}: deleted`);
      });
    });
}

/** The object without its undefined fields: a filter holds only what the user gave. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function cancelMessage(result: CancelResult): string {
  if (result.state === 'cancelled') return result.already ? 'already cancelled' : 'cancelled';
  return result.already ? 'cancellation already requested; its worker aborts it' : 'cancellation requested; its worker aborts it';
}

function summary(job: JobRecord): Record<string, unknown> {
  return { id: job.id, task: job.task, queue: job.queue, state: job.state, attempt: `${job.attempt}/${job.maxAttempts}`, runAt: job.runAt, worker: job.lockedBy, error: job.lastError?.message?.slice(0, 60) };
}

/** `waitingFor`: the flow limit a pending job waits for (see `OrdoClient.waitReason`). */
function printJob(print: Printer, job: JobRecord, waitingFor: string | null): void {
  const fields: [string, unknown][] = [
    ['id', job.id], ['task', job.task], ['queue', job.queue], ['state', job.state + (job.cancelRequested ? ' (cancel requested)' : '')],
    ['priority', job.priority], ['attempt', `${job.attempt} of ${job.maxAttempts}`], ['created', job.createdAt.toISOString()],
    ['run at', job.runAt.toISOString()], ['key', job.concurrencyKey], ['progress', job.progress], ['payload', JSON.stringify(job.payload)], ['result', job.result === null ? null : JSON.stringify(job.result)],
  ];
  for (const [name, value] of fields) if (value !== null && value !== undefined) print.line(`${name.padEnd(9)} ${String(value)}`);
  if (job.state === 'running') {
    print.line(`running   attempt ${job.attempt} on ${job.lockedBy} since ${job.startedAt?.toISOString()}, lease until ${job.lockedUntil?.toISOString()}`);
  }
  if (waitingFor !== null) print.line(`waiting for: ${waitingFor}`);
  if (job.attempts.length === 0) return;
  print.line('\nattempts');
  for (const a of job.attempts) {
    const took = a.startedAt ? `${a.finishedAt.getTime() - a.startedAt.getTime()} ms` : '';
    print.line(`  #${a.attempt} ${a.outcome.padEnd(11)} ${a.worker ?? '-'} ${a.finishedAt.toISOString()} ${took}${a.error ? `  ${a.error.message}` : ''}`);
    for (const line of a.logs ?? []) print.line(`      ${line.message}`);
  }
}
