/**
 * A process's scheduler duties in one service: opens the store (or uses the one given),
 * runs a preparation step first (the CLI syncs the schedules declared in code there), then
 * the Scheduler and, unless `maintenance: false`, the Maintenance services (rescue and
 * prune, under leadership). `ordo scheduler` runs one on its own; `ordo dev` runs one next to
 * its worker on the same store. `closed` resolves when it has stopped, with the error that
 * stopped it if the database was lost for good.
 */
import { hostname } from 'node:os';
import { DEFAULTS } from '../core/defaults.js';
import { OrdoError } from '../core/errors.js';
import { EventBus, type OrdoEvents } from '../core/events.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/contract.js';
import { openConfiguredStore } from '../store/open.js';
import { Service } from '../services/service.js';
import { Maintenance } from './maintenance.js';
import { Scheduler } from './scheduler.js';

export interface SchedulerHostOptions {
  /** The database, when no `store` is given. */
  db?: string;
  schema?: string;
  /** A store to use instead of opening one; the caller closes it. */
  store?: Store;
  /** Holder id for maintenance leadership. @defaultValue `scheduler:${hostname}:${pid}` */
  name?: string;
  /** Host the maintenance services too. @defaultValue true */
  maintenance?: boolean;
  /** The deployment's job lease (the rescuer's quiet time). @defaultValue DEFAULTS.leaseMs */
  leaseMs?: number;
  /** @defaultValue DEFAULTS.schedules.pruneAgeMs */
  pruneAgeMs?: number;
  logger: Logger;
  events?: EventBus<OrdoEvents>;
  /** Runs once the store is open, before the scheduler starts (e.g. syncing code-declared schedules). */
  prepare?(store: Store): Promise<void>;
}

/** The scheduler, and optionally maintenance, of one process. */
export class SchedulerHost extends Service {
  readonly events: EventBus<OrdoEvents>;
  readonly name: string;
  private lost: Error | null = null;
  private parts: { store: Store; scheduler: Scheduler; maintenance: Maintenance | null } | null = null;

  constructor(private readonly options: SchedulerHostOptions) {
    super();
    this.name = options.name ?? `scheduler:${hostname()}:${process.pid}`;
    this.events = options.events ?? new EventBus<OrdoEvents>((event, err) => options.logger.error({ event, err: (err as Error)?.message ?? String(err) }, 'an event listener threw; ignored'));
  }

  /** The open store (after `start()`). */
  get store(): Store {
    if (!this.parts) throw new Error('the scheduler host has not started');
    return this.parts.store;
  }

  get scheduler(): Scheduler | null {
    return this.parts?.scheduler ?? null;
  }

  get maintenance(): Maintenance | null {
    return this.parts?.maintenance ?? null;
  }

  protected async onStart(): Promise<void> {
    const { options, events } = this;
    const store = options.store ?? (await openConfiguredStore({ db: options.db, schema: options.schema }));
    const onError = (err: unknown, during: string) => this.storeError(err, during);
    const scheduler = new Scheduler({ store, logger: options.logger, events, onError });
    const maintenance =
      options.maintenance === false
        ? null
        : new Maintenance({ store, holderId: this.name, leaseMs: options.leaseMs ?? DEFAULTS.leaseMs, rescueMs: DEFAULTS.rescueMs, pruneAgeMs: options.pruneAgeMs, logger: options.logger, events, onStoreError: onError });
    this.parts = { store, scheduler, maintenance };
    try {
      await options.prepare?.(store);
      await scheduler.start();
      await maintenance?.start();
    } catch (err) {
      await this.release();
      throw err;
    }
    options.logger.info({ engine: store.engine, maintenance: maintenance !== null }, 'scheduler started');
  }

  protected async onStop(): Promise<void> {
    await this.release();
    this.options.logger.info('scheduler stopped');
  }

  protected override stoppedBy(): Error | null {
    return this.lost;
  }

  private async release(): Promise<void> {
    const parts = this.parts;
    if (!parts) return;
    await parts.scheduler.stop();
    await parts.maintenance?.stop();
    if (!this.options.store) await parts.store.close().catch(() => undefined);
  }

  /** Logs a failed store call; a database lost for good stops the host. */
  private storeError(err: unknown, during: string): void {
    this.events.emit('store:error', err, during);
    if (err instanceof OrdoError && err.code === 'store_lost') {
      this.lost ??= err;
      this.options.logger.error({ during, err: err.message }, 'scheduler: the database is gone; stopping');
      void this.stop();
      return;
    }
    this.options.logger.warn({ during, err: (err as Error)?.message ?? String(err) }, 'scheduler: store call failed; retrying');
  }
}
