/**
 * The runtime events of Ordo as one typed `noun:verb` map. The client, the worker and the
 * maintenance services publish on an `EventBus`; logs, metrics and the dashboard subscribe
 * to it instead of each wrapping calls on their own.
 */
import { EventEmitter } from 'node:events';
import type { JobFinish, JobRecord, ScheduleFire, WorkerInfo } from './types.js';

export interface OrdoEvents {
  /** A job was inserted (`created: false`: its unique key matched an active job). */
  'job:enqueued': [job: { id: string; task: string; queue: string; created: boolean }];
  /** A worker claimed the job and started its attempt. */
  'job:started': [job: JobRecord, workerId: string];
  /**
   * An attempt's end was written: `finish.state` says where the job went (a terminal state,
   * or `pending` for a retry or a release). `applied: false` if the lease had been lost.
   */
  'job:finished': [finish: JobFinish, applied: boolean];
  /** An attempt failed and the job is due again after its backoff (also sent as `job:finished`). */
  'job:retried': [finish: JobFinish];
  /** The worker lost the job's lease (another worker took it over); its result is discarded. */
  'job:lost': [job: JobRecord, workerId: string];
  /** Jobs whose worker stopped heartbeating were recovered by the rescuer. */
  'jobs:rescued': [counts: { rescued: number; failed: number; cancelled: number }];
  /** A scheduler recorded a fire of a schedule (its job enqueued, or skipped by the overlap policy). */
  'schedule:fired': [fire: ScheduleFire];
  /**
   * A scheduler found a schedule due longer ago than the overdue grace: no scheduler fired
   * it in time (none ran, or all were stalled). Sent once until the schedule is on time again.
   */
  'schedule:overdue': [overdue: { schedule: string; nextRunAt: Date; lateMs: number }];
  'worker:up': [worker: WorkerInfo];
  'worker:down': [worker: { id: string }];
  /** A store call failed; `during` names what the caller was doing. */
  'store:error': [error: unknown, during: string];
}

export type OrdoEventName = keyof OrdoEvents;

/**
 * A typed emitter whose listeners cannot break the publisher: a listener that throws is
 * reported to `onListenerError` and the others still run.
 */
export class EventBus<Events extends { [K in keyof Events]: unknown[] } = OrdoEvents> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => {}) {
    this.emitter.setMaxListeners(0);
  }

  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => unknown): () => void {
    const guarded = (...args: Events[E]) => {
      try {
        // An async listener's rejection is its error too, not an unhandled rejection.
        const returned: unknown = listener(...args);
        if (returned instanceof Promise) returned.catch((err: unknown) => this.reportListenerError(event, err));
      } catch (err) {
        this.reportListenerError(event, err);
      }
    };
    this.emitter.on(event, guarded as (...args: unknown[]) => void);
    return () => this.emitter.off(event, guarded as (...args: unknown[]) => void);
  }

  private reportListenerError(event: string, err: unknown): void {
    try {
      this.onListenerError(event, err);
    } catch {
      // The error reporter failed too: nothing more can be done without breaking the publisher.
    }
  }

  emit<E extends keyof Events & string>(event: E, ...args: Events[E]): void {
    this.emitter.emit(event, ...args);
  }

  /**
   * True when `event` has a listener: a publisher on a hot path asks first, so an event
   * nobody listens to costs no arguments built (`emit` takes them as a rest array).
   */
  listening(event: keyof Events & string): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  listenerCount(event: keyof Events & string): number {
    return this.emitter.listenerCount(event);
  }
}
