/**
 * Leadership of one role (e.g. `maintenance`) as a service: asks the store every `ttlMs / 3`
 * to take or keep the role, knows whether it leads now and under which term, resigns on
 * stop, and steps down at once when an election fails or answers "not you". Services that
 * must run in one process only (the rescuer, later the cron enqueuer) read `isLeader` and
 * `term`; a new term means leadership changed hands, so whatever the leader knew before may
 * be stale.
 */
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Ticker } from '../services/ticker.js';

/** What `leaderElect` answers: the term while leader, else null. */
export type Leadership = { term: number } | null;

export interface ElectorOptions {
  store: Store;
  /** The role, e.g. `maintenance`. */
  role: string;
  /** Who asks: unique per process and role (a worker's name). */
  holderId: string;
  /** How long leadership lasts without renewal; renewed every third of it. */
  ttlMs: number;
  logger: Logger;
  /** A failed election (the store is away); the elector has stepped down already. */
  onError(err: unknown): void;
}

/** Holds (or waits for) leadership of one role, with the term the store gives it. */
export class Elector extends Service {
  private current: Leadership = null;
  private failed = 0;
  private readonly listeners = new Set<(leadership: Leadership) => void>();
  private readonly ticker: Ticker;

  constructor(private readonly options: ElectorOptions) {
    super();
    this.ticker = new Ticker(Math.max(1, Math.floor(options.ttlMs / 3)), () => this.elect(), options.onError);
  }

  get isLeader(): boolean {
    return this.current !== null;
  }

  /** The current term while leader, else null. */
  get term(): number | null {
    return this.current?.term ?? null;
  }

  /** Elections that failed (the store was away) since start: lets followers notice a gap. */
  get failures(): number {
    return this.failed;
  }

  /** Calls `listener` whenever leadership is gained, lost or changes term. Returns an unsubscribe. */
  onChange(listener: (leadership: Leadership) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected async onStart(): Promise<void> {
    this.ticker.start({ immediately: true });
  }

  protected async onStop(): Promise<void> {
    await this.ticker.stop();
    this.set(null, 'resigned');
    // Also when not leader now: a failed election may have left the role ours in the store,
    // and resigning frees what the store keeps for this candidate (a PostgreSQL session).
    const { store, role, holderId } = this.options;
    await store.leaderResign({ name: role, holderId }).catch(this.options.onError);
  }

  private async elect(): Promise<void> {
    const { store, role, holderId, ttlMs } = this.options;
    try {
      const answer = await store.leaderElect({ name: role, holderId, ttlMs });
      if (this.stopSignal.aborted) return;
      this.set(answer ? { term: answer.term } : null);
    } catch (err) {
      // Cannot tell whether we still lead: act as if not, so no two leaders act at once.
      this.failed++;
      this.set(null);
      throw err;
    }
  }

  private set(next: Leadership, why: 'resigned' | 'lost' = 'lost'): void {
    if (next?.term === this.current?.term && (next === null) === (this.current === null)) return;
    const { logger, role } = this.options;
    if (next && !this.current) logger.info({ role, term: next.term }, 'leadership gained');
    else if (next) logger.info({ role, term: next.term }, 'leadership kept under a new term');
    else logger.info({ role, term: this.current!.term }, why === 'resigned' ? 'leadership resigned' : 'leadership lost');
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}
