/**
 * `ordo schedules add|update|list|show|rm|pause|resume|run|history`: schedules as data,
 * thin over `ordo.schedules`. Reads take --json; a bad flag exits 2 naming it, an unknown
 * schedule 3, adding a name that exists 5 (`ERROR_MAPPING`).
 */
import type { Command } from 'commander';
import { Ordo, type ScheduleSpec } from '../client/ordo.js';
import { describeTiming } from '../core/schedule-timing.js';
import { intOption, type CliContext } from './context.js';
import { readCommand } from './read-command.js';
import { asFlags, definitionFlags, specFromFlags, type ScheduleFlags } from './schedule-flags.js';
import { HISTORY_COLUMNS, historyRow, LIST_COLUMNS, listRow, printSchedule } from './schedule-print.js';

type JsonFlag = { json?: boolean };

export function registerSchedules(cli: CliContext, program: Command): void {
  const schedules = program.command('schedules').description('schedules: cron, interval and one-off jobs, fired by `ordo scheduler` or `ordo dev`');
  registerDefinition(cli, schedules);

  readCommand(cli, schedules, {
    name: 'list',
    description: 'every schedule: timing, next run, last fire and outcome, paused, overdue',
    read: (ordo) => ordo.schedules.list(),
    row: listRow,
    columns: LIST_COLUMNS,
  });

  schedules
    .command('show')
    .description("one schedule in full, with its next 5 fires in its zone and in UTC")
    .argument('<name>', 'schedule name')
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlag, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const schedule = await ordo.schedules.get(name);
        if (flags.json) return cli.print.json(schedule);
        printSchedule(cli.print, schedule);
      });
    });

  registerControl(cli, schedules);

  schedules
    .command('history')
    .description("a schedule's fires, newest first: fire time, when it fired, job, its state, manual or skipped")
    .argument('<name>', 'schedule name')
    .option('-n, --limit <n>', 'at most this many fires (1–1000)', intOption('--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (name: string, flags: JsonFlag & { limit: number }, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const fires = await ordo.schedules.history(name, { limit: flags.limit });
        if (flags.json) return cli.print.json(fires);
        cli.print.table(fires.map(historyRow), HISTORY_COLUMNS);
      });
    });
}

/** `add` and `update`: the definition flags, resolved by the client. */
function registerDefinition(cli: CliContext, schedules: Command): void {
  for (const mode of ['add', 'update'] as const) {
    const command = schedules
      .command(mode)
      .description(mode === 'add' ? 'add a schedule: --task and one of --cron, --every or --at' : 'change some fields of a schedule; the rest stay')
      .argument('<name>', 'schedule name, e.g. nightly-report');
    definitionFlags(command, mode).action(async (name: string, flags: ScheduleFlags, command: Command) => {
      const spec = specFromFlags(flags, mode);
      await cli.withClient(command, async (ordo, config) => {
        const schedule = await asFlags(() => (mode === 'add' ? ordo.schedules.add(name, spec as ScheduleSpec) : ordo.schedules.update(name, spec)));
        if (ordo instanceof Ordo && !ordo.tasks.has(schedule.job.task)) {
          cli.print.note(`note: no task named ${schedule.job.task} in ${cli.tasksFolder(config)}, so its options were not applied and the payload not checked; its jobs wait for a worker that defines it`);
        }
        if (schedule.source === 'code') cli.print.note(`note: schedule ${name} is declared in code; a scheduler started with its task puts the code's definition back`);
        if (flags.json) return cli.print.json(schedule);
        const next = schedule.nextRunAt ? `next run ${schedule.nextRunAt.toISOString()}` : 'it will not fire again';
        cli.print.line(`schedule ${name} ${mode === 'add' ? 'added' : 'updated'}: ${describeTiming(schedule.timing)}, task ${schedule.job.task}; ${next}`);
      }, { create: mode === 'add' });
    });
  }
}

/** `rm`, `pause`, `resume` and `run`. */
function registerControl(cli: CliContext, schedules: Command): void {
  schedules
    .command('rm')
    .description('delete a schedule and its fire history (the jobs it enqueued stay)')
    .argument('<name>', 'schedule name')
    .action(async (name: string, _flags: unknown, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        await ordo.schedules.remove(name);
        cli.print.line(`schedule ${name} removed`);
      });
    });

  for (const verb of ['pause', 'resume'] as const) {
    schedules
      .command(verb)
      .description(verb === 'pause' ? 'stop a schedule firing' : 'let a paused schedule fire again (missed fires follow its misfire policy)')
      .argument('<name>', 'schedule name')
      .action(async (name: string, _flags: unknown, command: Command) => {
        await cli.withClient(command, async (ordo) => {
          await ordo.schedules[verb](name);
          cli.print.line(`schedule ${name} ${verb === 'pause' ? 'paused' : 'resumed'}`);
        });
      });
  }

  schedules
    .command('run')
    .description('fire a schedule once now (its cadence stays as it was): prints the job id')
    .argument('<name>', 'schedule name')
    .option('--json', 'print the fire as JSON')
    .action(async (name: string, flags: JsonFlag, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const fire = await ordo.schedules.run(name);
        if (flags.json) return cli.print.json(fire);
        if (fire.jobId === null) cli.print.note(`schedule ${name}: fire recorded but its job skipped (${fire.skipped ?? 'overlap'}): the last fire's job has not ended`);
        else cli.print.line(fire.jobId);
      });
    });
}
