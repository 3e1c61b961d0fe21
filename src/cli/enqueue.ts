/**
 * `ordo enqueue TASK [PAYLOAD...]`: prints the new job's id (or ids, for a file). Durations
 * need a unit here (`--delay 5` is refused: seconds or milliseconds?).
 */
import type { Command } from 'commander';
import type { EnqueueOptions } from '../client/enqueue-options.js';
import { Ordo, type OrdoClient } from '../client/ordo.js';
import { durationSetting } from '../config/duration.js';
import { parseTime } from '../core/duration.js';
import { renameField, ValidationError } from '../core/errors.js';
import { MAX_ATTEMPTS_LIMIT } from '../core/retry.js';
import type { JsonObject } from '../core/types.js';
import { intOption, type CliContext } from './context.js';
import type { Printer } from './output.js';
import { payloadFromArgs, payloadsFromFile, type FilePayload } from './payload.js';

interface EnqueueFlags {
  file?: string;
  queue?: string;
  priority?: number;
  delay?: string;
  at?: string;
  maxAttempts?: number;
  uniqueKey?: string;
  uniqueFor?: string;
  timeout?: string;
  concurrencyKey?: string;
  debounce?: string;
  debounceFor?: string;
  throttle?: string;
  throttleFor?: string;
  json?: boolean;
}

/** The flag of each enqueue option the client may name in an error. */
const ENQUEUE_FLAGS: Record<string, string> = {
  concurrencyKey: '--concurrency-key',
  debounce: '--debounce',
  'debounce.key': '--debounce',
  'debounce.for': '--debounce-for',
  throttle: '--throttle',
  'throttle.key': '--throttle',
  'throttle.for': '--throttle-for',
  uniqueKey: '--unique-key',
  uniqueFor: '--unique-for',
};

/** Jobs inserted per statement for a file; also how often progress is shown. */
const CHUNK = 1_000;

export function registerEnqueue(cli: CliContext, program: Command): void {
  program
    .command('enqueue')
    .description('enqueue a job: prints its id')
    .argument('<task>', 'task name, e.g. send_email or hello_world.send_hello_world')
    .argument('[payload...]', 'JSON object payload (one argument, several tokens, or after --)')
    .option('-f, --file <file>', 'read payloads from a file (- for standard input): one JSON object, or JSON Lines (one per line)')
    .option('-q, --queue <queue>', 'queue name (default: the task\'s queue, else "default")')
    .option('-p, --priority <n>', 'priority within the queue; lower runs first', intOption('--priority', -1_000_000, 1_000_000))
    .option('-d, --delay <duration>', 'run after a delay, with a unit: 90s, 5m, 2h10m20s, 500ms')
    .option('--at <time>', 'run at a time: ISO 8601 or epoch seconds')
    .option('--max-attempts <n>', 'attempts in all, retries included', intOption('--max-attempts', 1, MAX_ATTEMPTS_LIMIT))
    .option('--unique-key <key>', 'if a job with this key is pending or running, print its id instead of enqueueing another')
    .option('--unique-for <duration>', 'with --unique-key: also print the existing id if a job with the key was created this recently, even if it has finished: 10m, 1h')
    .option('--timeout <duration>', 'abort an attempt after this long: 30s, 5m')
    .option('--concurrency-key <key>', "the key the queue's per-key limits and turns apply to, such as a customer id")
    .option('--debounce <key>', 'keep only the last job of a burst with this key: it replaces the pending one and runs once the key is quiet for --debounce-for')
    .option('--debounce-for <duration>', 'with --debounce: how long the key must be quiet: 5s, 1m')
    .option('--throttle <key>', 'keep only the first job with this key within --throttle-for (later ones print its id)')
    .option('--throttle-for <duration>', 'with --throttle: the window: 1m, 1h')
    .option('--json', 'print {id, created} objects as JSON')
    .action(async (task: string, tokens: string[], flags: EnqueueFlags, command: Command) => {
      if (flags.delay !== undefined && flags.at !== undefined) throw new ValidationError('--delay', 'either --delay or --at, not both', `--delay ${flags.delay} --at ${flags.at}`);
      if (flags.uniqueFor !== undefined && flags.uniqueKey === undefined) throw new ValidationError('--unique-for', '--unique-for together with --unique-key', flags.uniqueFor);
      checkFlowFlags(flags);
      if (flags.file && tokens.length > 0) throw new ValidationError('payload', 'the payload either as arguments or with -f FILE, not both', tokens.join(' '));
      const fromFile = flags.file ? payloadsFromFile(flags.file, cli.io) : null;
      const payloads = fromFile ? fromFile.map((p) => p.payload) : [payloadFromArgs(tokens)];
      // Time flags are parsed here so an error names the flag the user typed (--delay, not delay).
      const options: EnqueueOptions = {
        queue: flags.queue,
        priority: flags.priority,
        delay: flags.delay === undefined ? undefined : durationSetting(flags.delay, '--delay'),
        runAt: flags.at === undefined ? undefined : parseTime(flags.at, '--at'),
        maxAttempts: flags.maxAttempts,
        uniqueKey: flags.uniqueKey,
        uniqueFor: flags.uniqueFor === undefined ? undefined : durationSetting(flags.uniqueFor, '--unique-for'),
        timeout: flags.timeout === undefined ? undefined : durationSetting(flags.timeout, '--timeout'),
        concurrencyKey: flags.concurrencyKey,
        debounce: flags.debounce === undefined ? undefined : { key: flags.debounce, for: durationSetting(flags.debounceFor!, '--debounce-for') },
        throttle: flags.throttle === undefined ? undefined : { key: flags.throttle, for: durationSetting(flags.throttleFor!, '--throttle-for') },
      };
      await cli.withClient(command, async (ordo, config) => {
        // On the database the tasks folder decides; through a server, the server's tasks do.
        if (ordo instanceof Ordo && !ordo.tasks.has(task)) {
          cli.print.note(
            `note: no task named ${task} in ${cli.tasksFolder(config)}, so its own options (queue, priority, retries) are not applied and its payload is not checked; the job waits for a worker that defines it`,
          );
        }
        if (fromFile && ordo instanceof Ordo) checkFilePayloads(ordo, task, fromFile);
        const results = await enqueueAll(cli.print, ordo, task, payloads, options, fromFile?.map((p) => p.where)).catch((err: unknown) => {
          throw renameField(err, (field) => ENQUEUE_FLAGS[field] ?? field);
        });
        const existing = results.filter((r) => !r.created).length;
        if (existing > 0 && flags.debounce !== undefined) cli.print.note(`note: a job with debounce key ${flags.debounce} was pending: it now has this payload and runs ${flags.debounceFor} from now`);
        else if (existing > 0 && flags.throttle !== undefined) cli.print.note(`note: a job with throttle key ${flags.throttle} was created in the last ${flags.throttleFor}; printed its id, nothing enqueued`);
        else if (existing > 0) cli.print.note(`note: ${existing} job(s) with this unique key already pending or running${flags.uniqueFor ? ` or created in the last ${flags.uniqueFor}` : ''}; printed the existing id, nothing enqueued for them`);
        if (flags.json) cli.print.json(results.length === 1 ? results[0] : results);
        else cli.print.line(results.map((r) => r.id).join('\n'));
      }, { create: true });
    });
}

/** The flow flags' pairs and conflicts, named as typed (the client would name its own fields). */
function checkFlowFlags(flags: EnqueueFlags): void {
  for (const [flag, window] of [['debounce', 'debounceFor'], ['throttle', 'throttleFor']] as const) {
    const name = `--${flag}`;
    const windowName = `--${flag}-for`;
    if (flags[flag] !== undefined && flags[window] === undefined) throw new ValidationError(windowName, `${windowName} with ${name} (how long its window is, such as 5s)`, undefined);
    if (flags[window] !== undefined && flags[flag] === undefined) throw new ValidationError(windowName, `${windowName} together with ${name} (the key it applies to)`, flags[window]);
  }
  if (flags.debounce === undefined) return;
  const others: [string, unknown][] = [['--delay', flags.delay], ['--at', flags.at], ['--unique-key', flags.uniqueKey], ['--throttle', flags.throttle]];
  for (const [other, value] of others) {
    if (value !== undefined) throw new ValidationError('--debounce', `either --debounce or ${other}, not both (a debounce sets when its job runs, and which one runs)`, `--debounce ${flags.debounce} ${other} ${String(value)}`);
  }
}

/**
 * Checks every payload of a file against the task's schema before anything is inserted, so a
 * bad line inserts nothing (even past the first chunk) and the error names its line.
 */
function checkFilePayloads(ordo: Ordo, task: string, payloads: FilePayload[]): void {
  if (!ordo.tasks.has(task)) return;
  for (const { payload, where } of payloads) {
    try {
      ordo.checkPayload(task, payload);
    } catch (err) {
      if (err instanceof Error) err.message = `${where}: ${err.message}`;
      throw err;
    }
  }
}

/**
 * Inserts in chunks; the options are the same for every job, so a bad option fails the first
 * chunk. On the database every payload was checked before the first chunk; through a server,
 * which checks each chunk as it comes, a refused chunk leaves the earlier ones enqueued, and
 * the error says how many.
 */
async function enqueueAll(print: Printer, ordo: OrdoClient, task: string, payloads: JsonObject[], options: EnqueueOptions, wheres?: string[]) {
  const items = payloads.map((payload) => ({ task, payload, options }));
  const results = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    try {
      results.push(...(await ordo.enqueueMany(items.slice(i, i + CHUNK))));
    } catch (err) {
      throw chunkError(err, i, results.length, wheres);
    }
    if (items.length > CHUNK) print.status(`enqueued ${results.length}/${items.length}`);
  }
  if (items.length > CHUNK) print.endStatus();
  return results;
}

/** A chunk's error told by the file line it names (`job 3:` of the chunk becomes `FILE line N:`), and what was enqueued before it. */
function chunkError(err: unknown, offset: number, enqueued: number, wheres: string[] | undefined): unknown {
  if (!(err instanceof Error)) return err;
  const job = /^job (\d+): /.exec(err.message);
  const where = job && wheres?.[offset + Number(job[1]) - 1];
  if (where) err.message = `${where}: ${err.message.slice(job[0].length)}`;
  if (enqueued > 0) err.message += ` (the ${enqueued} jobs before it were enqueued)`;
  return err;
}
