/**
 * `ordo jobs list|show|cancel|retry`.
 */
import type { Command } from 'commander';
import { NotFoundError, OrdoError } from '../core/errors.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../core/page.js';
import type { JobRecord, JobState } from '../core/types.js';
import { intOption, withClient } from './context.js';
import { printJson, printTable } from './output.js';

interface ListFlags {
  state?: string;
  queue?: string;
  task?: string;
  worker?: string;
  limit?: number;
  offset?: number;
  json?: boolean;
}

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('inspect and control jobs');

  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('-s, --state <states>', 'only these states, comma-separated: pending,running,succeeded,failed,cancelled')
    .option('-q, --queue <queue>', 'only this queue')
    .option('-t, --task <task>', 'only this task')
    .option('-w, --worker <name>', 'only jobs run by this worker')
    .option('-n, --limit <n>', `at most this many (1–${MAX_PAGE_LIMIT})`, intOption('--limit'), DEFAULT_PAGE_LIMIT)
    .option('--offset <n>', 'skip this many', intOption('--offset'), 0)
    .option('--json', 'print JSON')
    .action(async (flags: ListFlags, command: Command) => {
      const state = flags.state?.split(',').map((s) => s.trim()) as JobState[] | undefined;
      await withClient(command, async (ordo) => {
        const page = await ordo.listJobs({ state, queue: flags.queue, task: flags.task, workerId: flags.worker }, { limit: flags.limit, offset: flags.offset });
        if (flags.json) return printJson(page);
        printTable(page.jobs.map(summary), ['id', 'task', 'queue', 'state', 'attempt', 'runAt', 'worker', 'error']);
        process.stdout.write(`${page.jobs.length} of ${page.total}\n`);
      });
    });

  jobs
    .command('show')
    .description('show one job with its attempts')
    .argument('<id>', 'job id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      await withClient(command, async (ordo) => {
        const job = await ordo.getJob(id);
        if (!job) throw new NotFoundError('job', id);
        if (flags.json) return printJson(job);
        printJob(job);
      });
    });

  jobs
    .command('cancel')
    .description('cancel a pending job, or abort a running one')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await withClient(command, async (ordo) => {
        const { state, cancelRequested } = await ordo.cancel(id);
        if (!cancelRequested && state !== 'cancelled') throw new OrdoError('conflict', `job ${id} already ended (${state}); only pending or running jobs can be cancelled`);
        process.stdout.write(`job ${id}: ${cancelRequested ? 'cancellation requested; its worker aborts it' : 'cancelled'}\n`);
      });
    });

  jobs
    .command('retry')
    .description('run a failed or cancelled job again')
    .argument('<id>', 'job id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await withClient(command, async (ordo) => {
        const { retried, state } = await ordo.retry(id);
        if (!retried) throw new OrdoError('conflict', `job ${id} is ${state}; only failed or cancelled jobs can be retried`);
        process.stdout.write(`job ${id}: pending again\n`);
      });
    });
}

function summary(job: JobRecord): Record<string, unknown> {
  return { id: job.id, task: job.task, queue: job.queue, state: job.state, attempt: `${job.attempt}/${job.maxAttempts}`, runAt: job.runAt, worker: job.lockedBy, error: job.lastError?.message?.slice(0, 60) };
}

function printJob(job: JobRecord): void {
  const fields: [string, unknown][] = [
    ['id', job.id], ['task', job.task], ['queue', job.queue], ['state', job.state + (job.cancelRequested ? ' (cancel requested)' : '')],
    ['priority', job.priority], ['attempt', `${job.attempt} of ${job.maxAttempts}`], ['created', job.createdAt.toISOString()],
    ['run at', job.runAt.toISOString()], ['progress', job.progress], ['payload', JSON.stringify(job.payload)], ['result', job.result === null ? null : JSON.stringify(job.result)],
  ];
  for (const [name, value] of fields) if (value !== null && value !== undefined) process.stdout.write(`${name.padEnd(9)} ${String(value)}\n`);
  if (job.state === 'running') {
    process.stdout.write(`running   attempt ${job.attempt} on ${job.lockedBy} since ${job.startedAt?.toISOString()}, lease until ${job.lockedUntil?.toISOString()}\n`);
  }
  if (job.attempts.length === 0) return;
  process.stdout.write('\nattempts\n');
  for (const a of job.attempts) {
    const took = a.startedAt ? `${a.finishedAt.getTime() - a.startedAt.getTime()} ms` : '';
    process.stdout.write(`  #${a.attempt} ${a.outcome.padEnd(11)} ${a.worker ?? '-'} ${a.finishedAt.toISOString()} ${took}${a.error ? `  ${a.error.message}` : ''}\n`);
    for (const line of a.logs ?? []) process.stdout.write(`      ${line.message}\n`);
  }
}
