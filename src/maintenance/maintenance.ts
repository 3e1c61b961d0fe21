/**
 * Maintenance: the services that must run in one process of a deployment at a time, under
 * leadership of the role `maintenance` — the lease rescuer and the retention pruner. Any
 * process may host it (a worker does unless `maintenance: false`, so do `ordo scheduler`
 * and `ordo dev`): the elector picks one host, and when it dies another takes over, so a
 * deployment of workers only still recovers a dead worker's jobs. (The scheduler is not
 * here: every scheduler process fires, see scheduler.ts.)
 */
import { HEARTBEATS_PER_LEASE } from '../core/defaults.js';
import type { EventBus, OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import { Service } from '../services/service.js';
import { Elector } from './elector.js';
import { Pruner } from './pruner.js';
import { Rescuer } from './rescuer.js';

/** The leadership role the maintenance services run under. */
export const MAINTENANCE_ROLE = 'maintenance';

export interface MaintenanceOptions {
  store: Store;
  /** Who this host is in the leaders table (a worker's name). */
  holderId: string;
  /** The job lease of the deployment: the rescuer's quiet time after any gap. */
  leaseMs: number;
  /** Time between lease rescue sweeps. */
  rescueMs: number;
  /**
   * How long leadership lasts without renewal (renewed every third of it). A dead leader is
   * replaced after at most this long. @defaultValue leaseMs / 2
   */
  leaderTtlMs?: number;
  logger: Logger;
  events?: EventBus<OrdoEvents>;
  /** A store call failed; `during` names which. @defaultValue a warning in the log */
  onStoreError?(err: unknown, during: string): void;
  /** Jobs were given back to pending. */
  onRescued?(): void;
  /** Workers of this process, whose expired leases the rescuer leaves to them (see rescuer.ts). @defaultValue none */
  localWorkers?(): readonly string[];
  /** Finished jobs and fire records older than this are pruned. @defaultValue DEFAULTS.schedules.pruneAgeMs (7 days) */
  pruneAgeMs?: number;
  /** Time between prunes. @defaultValue DEFAULTS.schedules.pruneIntervalMs (1 minute) */
  pruneIntervalMs?: number;
}

/** The maintenance services of one host: an elector and the services that run while it leads. */
export class Maintenance extends Service {
  readonly elector: Elector;
  readonly rescuer: Rescuer;
  readonly pruner: Pruner;

  constructor(options: MaintenanceOptions) {
    super();
    const { store, holderId, leaseMs, logger } = options;
    const onStoreError = options.onStoreError ?? ((err: unknown, during: string) => logger.warn({ during, err: (err as Error)?.message ?? String(err) }, 'maintenance: store call failed; retrying'));
    this.elector = new Elector({
      store,
      role: MAINTENANCE_ROLE,
      holderId,
      ttlMs: options.leaderTtlMs ?? Math.max(1, Math.floor(leaseMs / 2)),
      logger,
      onError: (err) => onStoreError(err, 'leader election'),
    });
    this.rescuer = new Rescuer({
      store,
      elector: this.elector,
      rescueMs: options.rescueMs,
      leaseMs,
      // Late by more than a heartbeat interval: the holders in this process may have missed one.
      stallMs: Math.max(1, Math.floor(leaseMs / HEARTBEATS_PER_LEASE)),
      logger,
      events: options.events,
      onError: (err) => onStoreError(err, 'rescue'),
      onRescued: options.onRescued,
      localWorkers: options.localWorkers,
    });
    this.pruner = new Pruner({
      store,
      elector: this.elector,
      ageMs: options.pruneAgeMs,
      intervalMs: options.pruneIntervalMs,
      logger,
      onError: (err) => onStoreError(err, 'prune'),
    });
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  protected async onStart(): Promise<void> {
    await this.elector.start();
    await this.rescuer.start();
    await this.pruner.start();
  }

  protected async onStop(): Promise<void> {
    await this.pruner.stop();
    await this.rescuer.stop();
    await this.elector.stop();
  }
}
