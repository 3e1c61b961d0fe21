/**
 * Flow control as the client offers it: a queue's limits changed field by field (what is not
 * given stays), its flow read, and why a job waits. The rules themselves (what a limit is,
 * how a rate spaces starts, which limit holds a job) are core/flow.ts's; the store enforces
 * them at claim. Every refusal names the field as the caller wrote it (`rate`, `keyBurst`).
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import { NO_LIMITS, checkQueueLimits, flowWaitReason, isLimited, parseRate, type QueueFlow, type QueueLimits, type RateLimit } from '../core/flow.js';
import { checkQueueName } from '../core/names.js';
import type { JobRecord } from '../core/types.js';
import type { Store } from '../store/contract.js';

/**
 * A change to a queue's limits: a field given sets it (`null` removes that limit), a field
 * left out keeps its value.
 */
export interface QueueLimitsInput {
  /** At most this many jobs of the queue running at once, across all workers. */
  concurrency?: number | null;
  /** At most this many starts per period, spaced evenly: `100/1m`, `20/s`, `5/10s`. */
  rate?: string | null;
  /** How many starts of `rate` may go at once after a quiet spell. @defaultValue 1 */
  burst?: number;
  /** At most this many jobs of one `concurrencyKey` running at once. */
  keyConcurrency?: number | null;
  /** At most this many starts per period for one `concurrencyKey`. */
  keyRate?: string | null;
  /** How many starts of `keyRate` may go at once. @defaultValue 1 */
  keyBurst?: number;
  /** Keys take turns (implied by a per-key limit). */
  fair?: boolean;
}

export interface QueueFlowOptions {
  /** List this many keys with the most pending jobs. @defaultValue 0 */
  busiestKeys?: number;
  /** Also report this key's use and next start. */
  key?: string;
}

const INPUT_FIELDS = ['concurrency', 'rate', 'burst', 'keyConcurrency', 'keyRate', 'keyBurst', 'fair'] as const;
const MAX_LIMIT = 1_000_000;
/** Most busiest keys one read lists. */
export const MAX_BUSIEST_KEYS = 1_000;
/** Longest concurrency key (also checked at enqueue). */
export const MAX_CONCURRENCY_KEY_LENGTH = 200;

/**
 * Checks a change's fields one by one, without the limits it changes (the remote client checks
 * this much before sending; a lone `burst` needs the rate in force, which the server knows).
 */
export function checkQueueLimitsInput(input: unknown): QueueLimitsInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('limits', 'an object such as { concurrency: 3, rate: "100/1m" }', input);
  }
  const given = input as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!(INPUT_FIELDS as readonly string[]).includes(name)) throw new ValidationError(name, `one of ${INPUT_FIELDS.join(', ')}`, name);
  }
  for (const name of ['concurrency', 'keyConcurrency'] as const) if (given[name] !== undefined && given[name] !== null) checkCount(given[name], name);
  for (const name of ['burst', 'keyBurst'] as const) if (given[name] !== undefined) checkCount(given[name], name);
  for (const name of ['rate', 'keyRate'] as const) if (given[name] !== undefined && given[name] !== null) parseRate(given[name], name);
  if (given.fair !== undefined && typeof given.fair !== 'boolean') throw new ValidationError('fair', 'true or false', given.fair);
  return given as QueueLimitsInput;
}

/** The limits after applying `input` to `current` (see `QueueLimitsInput`). */
export function mergeQueueLimits(current: QueueLimits, input: QueueLimitsInput): QueueLimits {
  const change = checkQueueLimitsInput(input);
  const count = (name: 'concurrency' | 'keyConcurrency'): number | null => (change[name] === undefined ? current[name] : (change[name] ?? null));
  return checkQueueLimits({
    concurrency: count('concurrency'),
    rate: mergeRate(current.rate, change.rate, change.burst, 'rate', 'burst'),
    keyConcurrency: count('keyConcurrency'),
    keyRate: mergeRate(current.keyRate, change.keyRate, change.keyBurst, 'keyRate', 'keyBurst'),
    fair: change.fair ?? current.fair,
  });
}

/** A rate after its change: a new rate keeps the burst in force unless one is given. */
function mergeRate(current: RateLimit | null, rate: string | null | undefined, burst: number | undefined, field: string, burstField: string): RateLimit | null {
  if (rate === null) {
    if (burst !== undefined) throw new ValidationError(burstField, `${burstField} together with a ${field} (it is how many starts of that rate may go at once)`, burst);
    return null;
  }
  if (rate === undefined) {
    if (burst === undefined) return current;
    if (!current) throw new ValidationError(burstField, `${burstField} on a queue with a ${field} (set one, such as ${field}: "100/1m")`, burst);
    return { ...current, burst };
  }
  return parseRate(rate, field, burst ?? current?.burst ?? 1);
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new ValidationError(field, `a whole number from 1 to ${MAX_LIMIT}`, value);
  }
  return value;
}

/** No control characters: a key is printed in log lines and wait reasons. */
const CONTROL = /\p{Cc}/u;

/** A job's concurrency key: 1 to 200 characters, no control characters. */
export function checkConcurrencyKey(key: unknown, field = 'concurrencyKey'): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_CONCURRENCY_KEY_LENGTH || CONTROL.test(key)) {
    throw new ValidationError(field, `a string of 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters without control characters, such as a customer id`, key);
  }
  return key;
}

/** `queueFlow`'s options checked, naming the bad one. */
export function checkQueueFlowOptions(options: QueueFlowOptions): { busiestKeys: number; key: string | null } {
  if (typeof options !== 'object' || options === null) throw new ValidationError('options', 'an object such as { busiestKeys: 10 }', options);
  const busiestKeys = options.busiestKeys ?? 0;
  if (!Number.isInteger(busiestKeys) || busiestKeys < 0 || busiestKeys > MAX_BUSIEST_KEYS) {
    throw new ValidationError('busiestKeys', `a whole number from 0 to ${MAX_BUSIEST_KEYS}`, options.busiestKeys);
  }
  return { busiestKeys, key: options.key === undefined ? null : checkConcurrencyKey(options.key, 'key') };
}

/**
 * The flow operations on the database, for `Ordo`. Setting limits reads the ones in force and
 * writes them all back changed: two operators changing different fields of one queue at the
 * same instant may lose one change (the last write wins), which is what an operator expects.
 */
export class QueueFlowControl {
  constructor(private readonly store: Store) {}

  async setLimits(queue: string, input: QueueLimitsInput): Promise<QueueLimits> {
    const name = checkQueueName(queue);
    checkQueueLimitsInput(input);
    const current = (await this.store.queueFlow({ queue: name }))?.limits ?? NO_LIMITS;
    const limits = mergeQueueLimits(current, input);
    await this.store.queueLimitsSet({ queue: name, limits });
    return limits;
  }

  /** Removes every limit; a queue the store does not know stays unknown (no row is made for it). */
  async clearLimits(queue: string): Promise<void> {
    const name = checkQueueName(queue);
    if ((await this.store.queueFlow({ queue: name })) === null) return;
    await this.store.queueLimitsSet({ queue: name, limits: NO_LIMITS });
  }

  async flow(queue: string, options: QueueFlowOptions = {}): Promise<QueueFlow> {
    const name = checkQueueName(queue);
    const { busiestKeys, key } = checkQueueFlowOptions(options);
    const flow = await this.store.queueFlow({ queue: name, busiestKeys, key });
    if (!flow) throw new NotFoundError('queue', name);
    return flow;
  }

  /** Why a pending, due job of a limited queue waits (null: no limit holds it). */
  async waitReason(jobOrId: string | JobRecord): Promise<string | null> {
    const job = typeof jobOrId === 'string' ? await this.store.jobGet({ id: jobOrId }) : jobOrId;
    const now = Date.now();
    if (!job || job.state !== 'pending' || job.runAt.getTime() > now) return null;
    const flow = await this.store.queueFlow({ queue: job.queue, key: job.concurrencyKey });
    if (!flow || !isLimited(flow.limits, flow.pausedUntil)) return null;
    return flowWaitReason(job, flow, now);
  }
}
