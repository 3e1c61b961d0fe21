/**
 * The producer: owns the worker's slots and its claim loop. It claims due jobs, up to the
 * free slots and what it holds ahead of them (claimed-ahead.ts: none unless jobs start at a
 * rate that pays for it), and starts each as a slot frees: at once, even while the next claim
 * is under way. An idle worker sleeps until the next due job
 * (`jobNextDueIn`), a wake-up (a freed slot, an insert, a rescue) or the poll interval,
 * whichever is first. On a store whose wake-ups cross processes (PostgreSQL's NOTIFY, SQLite's
 * watch of the file's commits), a worker with
 * nothing due, or whose next job's due time is known, sleeps up to `idlePollMs` instead: every
 * write that makes a job due wakes it, and so does its LISTEN connection coming back after a
 * drop. A queue held by its limits (a slot freed by another process sends no wake-up) is
 * still polled every `pollMs`. After a failed store call it backs off, and before claiming again it
 * catches up (`catchUp`: renew its leases, write the results it kept), so a worker never
 * claims anew before what it already holds is safe.
 */
import type { JobRecord } from '../core/types.js';
import { backoffDelay } from '../core/retry.js';
import type { Store } from '../store/contract.js';
import { HELD_BY_LIMITS_MS } from '../store/records.js';
import { pause, Service } from '../services/service.js';
import { Wakeup } from '../services/wakeup.js';
import { ClaimedAhead } from './claimed-ahead.js';

/** Shortest idle wait after a claim that found nothing: the loop can never spin hot. */
const MIN_IDLE_WAIT_MS = 10;
const BACKOFF = { baseMs: 250, capMs: 10_000 };

export interface ProducerOptions {
  store: Store;
  workerId: string;
  queues: readonly string[];
  concurrency: number;
  claimBatch: number;
  /** Most jobs claimed ahead of free slots (0: claim only for free slots). */
  prefetch: number;
  leaseMs: number;
  pollMs: number;
  /**
   * Longest idle sleep when nothing is due or the next due time is known; at least `pollMs`.
   * Longer than `pollMs` only where wake-ups reach this process from every other one.
   */
  idlePollMs: number;
  /** Slots in use now. */
  busy(): number;
  execute(job: JobRecord): void;
  /** Renews held leases and writes kept results; throws while the store is away. */
  catchUp(): Promise<void>;
  onOk(): void;
  onError(err: unknown, during: string): void;
}

/** The claim loop: claims up to the free slots, sleeps until the next due job or a wake-up. */
export class Producer extends Service {
  private readonly wakeup = new Wakeup();
  private loop: Promise<void> | null = null;
  private unsubscribe: () => void = () => {};
  private failures = 0;
  readonly ahead: ClaimedAhead;
  private filling = false;

  constructor(private readonly options: ProducerOptions) {
    super();
    this.ahead = new ClaimedAhead(options.prefetch);
    this.stopSignal.addEventListener('abort', () => this.wakeup.wake());
  }

  /** A slot freed or jobs became available: starts what was claimed ahead, and claims again soon. */
  wake(): void {
    this.fill();
    this.wakeup.wake();
  }

  /** Starts jobs claimed ahead in the free slots. */
  private fill(): void {
    // A job started here may free its slot synchronously (and call wake() again): one loop serves.
    if (this.filling || this.stopSignal.aborted) return;
    this.filling = true;
    try {
      const { options } = this;
      while (options.busy() < options.concurrency) {
        const job = this.ahead.next();
        if (!job) break;
        options.execute(job);
      }
    } finally {
      this.filling = false;
    }
  }

  protected async onStart(): Promise<void> {
    const { store, queues } = this.options;
    this.unsubscribe = store.onJobsAvailable((queue) => {
      if (queues.includes(queue)) this.wakeup.wake();
    });
    this.loop = this.claimLoop();
  }

  protected async onStop(): Promise<void> {
    this.wakeup.wake();
    await this.loop;
    this.unsubscribe();
  }

  private async claimLoop(): Promise<void> {
    const { options } = this;
    // The first claim waits a turn of the event loop: whoever awaits `start()` finishes its
    // set-up (the CLI installs its SIGTERM handler) before any job is taken.
    await new Promise((resolve) => setImmediate(resolve));
    while (!this.stopSignal.aborted) {
      // Let every job that ends in this turn of the event loop free its slot first, so one
      // claim takes them all instead of one claim per finished job.
      if (options.busy() > 0) await new Promise((resolve) => setImmediate(resolve));
      this.fill();
      const wanted = this.wanted();
      if (wanted <= 0) {
        await this.wakeup.wait(options.pollMs);
        continue;
      }
      try {
        await this.claimOnce(Math.min(wanted, options.claimBatch));
      } catch (err) {
        this.failures++;
        options.onError(err, 'claim');
        await pause(backoffDelay(this.failures, BACKOFF), this.stopSignal);
      }
    }
  }

  private async claimOnce(limit: number): Promise<void> {
    const { options } = this;
    if (this.failures > 0) await options.catchUp();
    const jobs = await options.store.jobClaim({ workerId: options.workerId, queues: options.queues, limit, leaseMs: options.leaseMs });
    this.failures = 0;
    options.onOk();
    this.ahead.add(jobs);
    this.fill();
    if (jobs.length === limit || this.stopSignal.aborted) return;
    const dueIn = await options.store.jobNextDueIn({ queues: options.queues });
    const floor = jobs.length === 0 ? MIN_IDLE_WAIT_MS : 0;
    await this.wakeup.wait(Math.max(floor, this.idleWait(dueIn)));
  }

  /**
   * How many jobs to claim now: the free slots and the room ahead, but only once what is held
   * ahead has run down to half its target, so claims stay large rather than one per freed slot.
   */
  private wanted(): number {
    const free = this.options.concurrency - this.options.busy();
    const target = this.ahead.target;
    const held = this.ahead.size;
    if (held > 0 && held > target / 2) return 0;
    return Math.max(0, free) + target - held;
  }

  /** How long to sleep, given what `jobNextDueIn` answered, when no wake-up comes first. */
  private idleWait(dueIn: number | null): number {
    const { pollMs, idlePollMs } = this.options;
    // Held by limits: the slot may be freed by another process, which sends no wake-up.
    if (dueIn === HELD_BY_LIMITS_MS) return pollMs;
    return dueIn === null ? idlePollMs : Math.min(dueIn, idlePollMs);
  }
}
