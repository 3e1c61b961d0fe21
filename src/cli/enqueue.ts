/**
 * `ordo enqueue TASK [PAYLOAD...]`: prints the new job's id (or ids, for a file).
 */
import type { Command } from 'commander';
import { resolveEnqueue, type EnqueueOptions } from '../client/enqueue-options.js';
import type { Ordo } from '../client/ordo.js';
import { ValidationError } from '../core/errors.js';
import type { JsonObject } from '../core/types.js';
import { intOption, withClient } from './context.js';
import { endStatusLine, printJson, statusLine } from './output.js';
import { payloadFromArgs, payloadsFromFile } from './payload.js';

interface EnqueueFlags {
  file?: string;
  queue?: string;
  priority?: number;
  delay?: string;
  at?: string;
  maxAttempts?: number;
  uniqueKey?: string;
  timeout?: string;
  json?: boolean;
}

/** Jobs inserted per statement for a file; also how often progress is shown. */
const CHUNK = 1_000;

export function registerEnqueue(program: Command): void {
  program
    .command('enqueue')
    .description('enqueue a job: prints its id')
    .argument('<task>', 'task name, e.g. send_email or hello_world.send_hello_world')
    .argument('[payload...]', 'JSON object payload (one argument, several tokens, or after --)')
    .option('-f, --file <file>', 'read payloads from a file: one JSON object, or JSON Lines (one per line)')
    .option('-q, --queue <queue>', 'queue name (default: the task\'s queue, else "default")')
    .option('-p, --priority <n>', 'priority within the queue; lower runs first', intOption('--priority'))
    .option('-d, --delay <duration>', 'run after a delay: 90s, 5m, 2h10m20s')
    .option('--at <time>', 'run at a time: ISO 8601 or epoch seconds')
    .option('--max-attempts <n>', 'attempts in all, retries included', intOption('--max-attempts'))
    .option('--unique-key <key>', 'skip if a job with this key is pending or running')
    .option('--timeout <duration>', 'abort an attempt after this long: 30s, 5m')
    .option('--json', 'print {id, created} objects as JSON')
    .action(async (task: string, tokens: string[], flags: EnqueueFlags, command: Command) => {
      if (flags.file && tokens.length > 0) throw new ValidationError('payload', 'the payload either as arguments or with -f FILE, not both', tokens.join(' '));
      const payloads = flags.file ? payloadsFromFile(flags.file) : [payloadFromArgs(tokens)];
      const options: EnqueueOptions = {
        queue: flags.queue,
        priority: flags.priority,
        delay: flags.delay,
        runAt: flags.at,
        maxAttempts: flags.maxAttempts,
        uniqueKey: flags.uniqueKey,
        timeout: flags.timeout,
      };
      await withClient(command, async (ordo) => {
        if (!ordo.tasks.has(task) && ordo.tasks.size > 0) {
          process.stderr.write(`ordo: note: no task named ${task} in the tasks folder; the job waits for a worker that defines it\n`);
        }
        const results = await enqueueAll(ordo, task, payloads, options);
        if (flags.json) printJson(results.length === 1 ? results[0] : results);
        else process.stdout.write(`${results.map((r) => r.id).join('\n')}\n`);
      });
    });
}

async function enqueueAll(ordo: Ordo, task: string, payloads: JsonObject[], options: EnqueueOptions) {
  const items = payloads.map((payload) => ({ task, payload, options }));
  if (items.length <= CHUNK) return ordo.enqueueMany(items);
  // Validate every payload before inserting any, so a bad payload at the end inserts nothing.
  items.forEach((item, index) => {
    try {
      resolveEnqueue(task, item.payload, options, ordo.tasks.get(task));
    } catch (err) {
      if (err instanceof Error) err.message = `payload ${index + 1}: ${err.message}`;
      throw err;
    }
  });
  const results = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    results.push(...(await ordo.enqueueMany(items.slice(i, i + CHUNK))));
    statusLine(`enqueued ${results.length}/${items.length}`);
  }
  endStatusLine();
  return results;
}
