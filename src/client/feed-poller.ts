/**
 * The reading side of the change feed: a Service that, while it runs, reads
 * `store.jobChanges` every `pollMs` (and `store.workerList` every `workersEveryMs`) and
 * hands the events it makes of them to `emit`, in the order they happened.
 *
 * Reading from the database, not from an in-process bus, is what lets every server see the
 * jobs of every worker. Each change is read once:
 * - created jobs by id, after the last id read;
 * - starts and ends by time, in windows `[from, to)` that follow each other without gaps.
 *
 * Every window ends `lagMs` behind the store's clock (the horizon), and created rows are
 * taken only up to it, because a row becomes visible when its transaction commits, a little
 * after the time it carries: reading right up to now would step past a row whose transaction
 * commits a moment later, and never read it. The rare loss this leaves: a transaction that
 * commits more than `lagMs` after the time it wrote (a claim or finish stuck that long
 * between its statement and its commit) is not seen by the window it belongs to. A finish
 * missed this way is still told when the same job finishes again; anything else is lost to
 * the feed (never to the database: the job itself is as it should be).
 */
import type { WorkerRecord } from '../core/types.js';
import { pause, Service } from '../services/service.js';
import type { Store } from '../store/contract.js';
import type { FeedEvent } from './api.js';
import { byTime, enqueuedEvent, FeedMemory } from './feed-events.js';

export interface FeedOptions {
  /** How often the database is read while someone listens. @defaultValue 500 */
  pollMs?: number;
  /** How far behind the store's clock each window ends (see above). @defaultValue 300 */
  lagMs?: number;
  /** How often worker presence is read (worker:up, worker:down). @defaultValue 2000 */
  workersEveryMs?: number;
  /** Rows read per kind and call; a full batch is followed at once by the next read (at most 1000). @defaultValue 1000 */
  batch?: number;
  /** Told of a failed read (the feed keeps trying: a database outage only delays events). */
  onError?: (err: unknown) => void;
}

export const FEED_DEFAULTS = { pollMs: 500, lagMs: 300, workersEveryMs: 2_000, batch: 1_000 } as const;

/** Larger than any job id: asks `jobChanges` for no created rows. */
const NO_ID = '9223372036854775807';
const EPOCH = new Date(0);

interface Position {
  afterId: string;
  from: Date;
  /** Store clock minus process clock, from the last read. */
  skewMs: number;
  memory: FeedMemory;
  workers: Map<string, WorkerRecord['status']>;
  workersReadAt: number;
}

export class FeedPoller extends Service {
  private readonly options: Required<Omit<FeedOptions, 'onError'>> & Pick<FeedOptions, 'onError'>;
  private position: Position | null = null;
  private loop: Promise<void> | null = null;
  private resolveReady!: () => void;
  /** Resolves once the feed knows where "now" is: changes from then on are told. */
  readonly ready = new Promise<void>((resolve) => (this.resolveReady = resolve));

  constructor(
    private readonly store: Store,
    private readonly emit: (events: FeedEvent[]) => void,
    options: FeedOptions = {},
  ) {
    super();
    this.options = { ...FEED_DEFAULTS, ...options };
  }

  protected async onStart(): Promise<void> {
    this.loop = this.run();
  }

  protected async onStop(): Promise<void> {
    await this.loop;
    this.resolveReady();
  }

  private async run(): Promise<void> {
    while (!this.stopSignal.aborted) {
      let more = false;
      try {
        if (this.position) more = await this.read(this.position);
        else this.position = await this.begin();
      } catch (err) {
        this.options.onError?.(err);
      }
      await pause(more ? 0 : this.options.pollMs, this.stopSignal);
    }
  }

  /**
   * Where the feed starts: after the newest job, at the store's now, with the workers as they
   * are. (The newest job comes from a listing, which also counts the jobs: a cost paid once
   * per start, not per read.)
   */
  private async begin(): Promise<Position> {
    const { jobs } = await this.store.jobList({ page: { limit: 1 } });
    const { now } = await this.store.jobChanges({ afterId: NO_ID, from: EPOCH, to: EPOCH, limit: 1 });
    const workers = new Map((await this.store.workerList()).map((w) => [w.id, w.status]));
    this.resolveReady();
    return { afterId: jobs[0]?.id ?? '0', from: now, skewMs: now.getTime() - Date.now(), memory: new FeedMemory(now.getTime()), workers, workersReadAt: Date.now() };
  }

  /** Reads one window; true when a batch was full (read again at once). */
  private async read(position: Position): Promise<boolean> {
    const { batch, lagMs } = this.options;
    const to = new Date(Date.now() + position.skewMs - lagMs);
    if (to.getTime() <= position.from.getTime()) return false;
    const from = position.from;
    const changes = await this.store.jobChanges({ afterId: position.afterId, from, to, limit: batch });
    position.skewMs = changes.now.getTime() - Date.now();

    // Created rows in id order, up to the horizon: a later row waits for the next window.
    const created = [];
    for (const job of changes.created) {
      if (job.createdAt.getTime() >= to.getTime()) break;
      created.push(job);
    }
    // Finished attempts first: a job retried within the window is in both lists, and its
    // earlier attempt's start must be told before the memory learns of the running one.
    const finished = position.memory.finishedEvents(changes.finished, from);
    const events: FeedEvent[] = [...created.map(enqueuedEvent), ...finished, ...position.memory.startedEvents(changes.started, from)];
    if (created.length > 0) position.afterId = created[created.length - 1]!.id;
    position.from = nextFrom(changes, from, to, batch);
    position.memory.forget(position.from);
    // Told before the workers are read: the window has moved on, and a failed read of the workers must not lose its events.
    if (events.length > 0) this.emit(events.sort(byTime));
    const workers = await this.workerEvents(position, changes.now);
    if (workers.length > 0) this.emit(workers);
    return created.length === batch || position.from.getTime() < to.getTime();
  }

  /** worker:up for a worker newly alive, worker:down for one alive before and not now. */
  private async workerEvents(position: Position, now: Date): Promise<FeedEvent[]> {
    if (Date.now() - position.workersReadAt < this.options.workersEveryMs) return [];
    position.workersReadAt = Date.now();
    const events: FeedEvent[] = [];
    const seen = new Set<string>();
    for (const worker of await this.store.workerList()) {
      seen.add(worker.id);
      const before = position.workers.get(worker.id);
      position.workers.set(worker.id, worker.status);
      if (worker.status === 'alive' && before !== 'alive') events.push({ type: 'worker:up', at: now, worker });
      if (worker.status !== 'alive' && before === 'alive') events.push({ type: 'worker:down', at: now, worker });
    }
    for (const id of position.workers.keys()) if (!seen.has(id)) position.workers.delete(id);
    return events;
  }
}

/**
 * Where the next window begins: `to`, unless a batch of starts or ends was full; then at the
 * last time read (rows at that very time are read again, and the memory keeps them from being
 * told twice). Should a full batch share one instant, the window moves on to `to` rather
 * than read the same rows forever.
 */
function nextFrom(changes: { started: { startedAt: Date | null }[]; finished: { finishedAt: Date | null }[] }, from: Date, to: Date, batch: number): Date {
  const ends: number[] = [];
  if (changes.started.length >= batch) ends.push(changes.started[changes.started.length - 1]!.startedAt?.getTime() ?? to.getTime());
  if (changes.finished.length >= batch) ends.push(changes.finished[changes.finished.length - 1]!.finishedAt?.getTime() ?? to.getTime());
  const next = ends.length > 0 ? Math.min(...ends) : to.getTime();
  return new Date(next > from.getTime() ? next : to.getTime());
}
