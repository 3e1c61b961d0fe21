/**
 * `ordo queues limit` and `ordo queues flow`: a queue's flow limits changed flag by flag
 * (what is not given stays; `none` removes one), and what they hold back now. The client
 * checks the values; its errors are renamed to the flags typed here.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { QueueLimitsInput } from '../client/flow.js';
import type { OrdoClient } from '../client/ordo.js';
import { NotFoundError, renameField } from '../core/errors.js';
import { NO_LIMITS, formatRate, type QueueFlow, type QueueLimits } from '../core/flow.js';
import { intOption, type CliContext } from './context.js';
import type { Printer } from './output.js';

/** What a flag's parser returns for `none` (commander turns a parser's null into an empty string). */
const NONE = 'none';

interface LimitFlags {
  concurrency?: number | typeof NONE;
  rate?: string;
  burst?: number;
  keyConcurrency?: number | typeof NONE;
  keyRate?: string;
  keyBurst?: number;
  fair?: boolean;
  clear?: boolean;
  json?: boolean;
}

/** The flag of each field the client may name in an error. */
const LIMIT_FLAGS: Record<string, string> = {
  concurrency: '--concurrency',
  rate: '--rate',
  burst: '--burst',
  keyConcurrency: '--key-concurrency',
  keyRate: '--key-rate',
  keyBurst: '--key-burst',
  fair: '--fair',
  busiestKeys: '--keys',
  key: '--key',
};

const MAX_LIMIT = 1_000_000;

/** A count or `none` (removes the limit). */
function countOrNone(flag: string) {
  const count = intOption(flag, 1, MAX_LIMIT);
  return (value: string): number | typeof NONE => (value === NONE ? NONE : count(value));
}

/** A rate such as `100/1m`, or `none`; checked by the client (the error names the flag). */
function rateOrNone(flag: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag}: expected starts per period such as 100/1m, or none, received ""`);
    return value;
  };
}

export function registerQueueFlow(cli: CliContext, queues: Command): void {
  queues
    .command('limit')
    .description("change a queue's flow limits, shared by every worker (flags not given stay; none removes a limit); prints the limits in force")
    .argument('<queue>', 'queue name')
    .option('--concurrency <n>', 'at most N jobs of the queue running at once, or none', countOrNone('--concurrency'))
    .option('--rate <rate>', 'at most N starts per period, spaced evenly: 100/1m, 20/s, 5/10s, or none', rateOrNone('--rate'))
    .option('--burst <n>', 'starts of --rate that may go at once after a quiet spell (default 1)', intOption('--burst', 1, MAX_LIMIT))
    .option('--key-concurrency <n>', 'at most N jobs of one concurrency key running at once, or none', countOrNone('--key-concurrency'))
    .option('--key-rate <rate>', 'at most N starts per period for one concurrency key: 10/1m, or none', rateOrNone('--key-rate'))
    .option('--key-burst <n>', 'starts of --key-rate that may go at once (default 1)', intOption('--key-burst', 1, MAX_LIMIT))
    .option('--fair', 'keys take turns (implied by a per-key limit)')
    .option('--no-fair', 'keys do not take turns (unless a per-key limit needs them)')
    .option('--clear', 'remove every limit first')
    .option('--json', 'print the limits as JSON')
    .action(async (queue: string, flags: LimitFlags, command: Command) => {
      // --clear with other flags is ONE write: between a clear and a set, workers would claim
      // the queue without any limit.
      const change = flags.clear ? { ...CLEARED, ...limitChange(flags) } : limitChange(flags);
      await cli.withClient(command, async (ordo) => {
        const limits = await applyChange(ordo, queue, change);
        if (flags.json) return cli.print.json(limits);
        cli.print.line(`queue ${queue}: ${describeLimits(limits)}`);
      });
    });

  queues
    .command('flow')
    .description("a queue's limits and what they hold back now: running, waiting (due), next start, pause, busiest keys")
    .argument('<queue>', 'queue name')
    .option('--keys <n>', 'list this many keys with the most pending jobs (0–1000)', intOption('--keys', 0, 1_000), 10)
    .option('--key <key>', "also show this key's use")
    .option('--json', 'print JSON')
    .action(async (queue: string, flags: { keys: number; key?: string; json?: boolean }, command: Command) => {
      await cli.withClient(command, async (ordo) => {
        const flow = await ordo.queueFlow(queue, { busiestKeys: flags.keys, ...(flags.key === undefined ? {} : { key: flags.key }) }).catch((err: unknown) => {
          throw renameField(err, (field) => LIMIT_FLAGS[field] ?? field);
        });
        if (flags.json) return cli.print.json(flow);
        printFlow(cli.print, flow);
      });
    });
}

/** The flags given, as the client's change (undefined: not given). */
/** Every limit removed, as a change. */
const CLEARED: QueueLimitsInput = { concurrency: null, rate: null, keyConcurrency: null, keyRate: null, fair: false };

function limitChange(flags: LimitFlags): QueueLimitsInput {
  const change: QueueLimitsInput = {};
  for (const name of ['concurrency', 'rate', 'burst', 'keyConcurrency', 'keyRate', 'keyBurst', 'fair'] as const) {
    if (flags[name] !== undefined) (change as Record<string, unknown>)[name] = flags[name] === NONE ? null : flags[name];
  }
  return change;
}

/** Applies the change, or, with none, reads the limits in force (without making the queue a row). */
async function applyChange(ordo: OrdoClient, queue: string, change: QueueLimitsInput): Promise<QueueLimits> {
  if (Object.keys(change).length === 0) {
    try {
      return (await ordo.queueFlow(queue)).limits;
    } catch (err) {
      if (err instanceof NotFoundError) return NO_LIMITS;
      throw err;
    }
  }
  return ordo.setQueueLimits(queue, change).catch((err: unknown) => {
    throw renameField(err, (field) => LIMIT_FLAGS[field.replace(/^limits\./, '').replace(/\..*$/, '')] ?? field);
  });
}

/** `concurrency 3, rate 100/1m (burst 5), key concurrency 1, fair`; `no limits` when none. */
export function describeLimits(limits: QueueLimits): string {
  const parts: string[] = [];
  if (limits.concurrency !== null) parts.push(`concurrency ${limits.concurrency}`);
  if (limits.rate) parts.push(`rate ${formatRate(limits.rate)}`);
  if (limits.keyConcurrency !== null) parts.push(`key concurrency ${limits.keyConcurrency}`);
  if (limits.keyRate) parts.push(`key rate ${formatRate(limits.keyRate)}`);
  if (limits.fair) parts.push('fair');
  return parts.length === 0 ? 'no limits' : parts.join(', ');
}

function printFlow(print: Printer, flow: QueueFlow): void {
  const { limits } = flow;
  print.line(`queue     ${flow.queue}`);
  print.line(`limits    ${describeLimits(limits)}`);
  if (flow.pausedUntil) print.line(`paused    until ${flow.pausedUntil.toISOString()} (a handler reported a rate limit)`);
  print.line(`running   ${flow.running}${limits.concurrency === null ? '' : ` of ${limits.concurrency}`}`);
  print.line(`waiting   ${flow.due} due`);
  if (limits.rate) print.line(`next start ${flow.nextStartAt ? flow.nextStartAt.toISOString() : 'now'}`);
  if (flow.key) {
    const next = limits.keyRate ? `, next start ${flow.keyNextStartAt ? flow.keyNextStartAt.toISOString() : 'now'}` : '';
    print.line(`key ${flow.key.key}: ${flow.key.running} running${limits.keyConcurrency === null ? '' : ` of ${limits.keyConcurrency}`}, ${flow.key.pending} pending${next}`);
  }
  if (flow.busiestKeys.length === 0) return;
  print.line('\nbusiest keys');
  print.table(flow.busiestKeys.map((k) => ({ ...k })), ['key', 'pending', 'running']);
}
