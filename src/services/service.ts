/**
 * The one lifecycle every long-running part of Ordo shares (worker parts, maintenance,
 * later the scheduler and the server): `start()` and `stop()` are idempotent and safe in any
 * order, and stopping has two stages. The soft stop (`stopSignal`) asks the service to take
 * no new work and let running work end; when the grace period is over, the hard stop
 * (`abortSignal`) asks it to abort what still runs. A subclass implements `onStart` and
 * `onStop` and reads the two signals; the ordering rules live here, once.
 */

export type ServiceState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface StopOptions {
  /** How long running work may take after the soft stop before the hard stop aborts it. */
  graceMs?: number;
}

/** Base of every long-running part: idempotent start/stop, soft stop, then hard stop after the grace. */
export abstract class Service {
  // ES private fields: a subclass may use the same names for its own state.
  #current: ServiceState = 'idle';
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  readonly #soft = new AbortController();
  readonly #hard = new AbortController();
  readonly #defaultGraceMs: number;
  #resolveClosed!: (error: Error | null) => void;
  readonly #closed = new Promise<Error | null>((resolve) => (this.#resolveClosed = resolve));

  /** @param defaultGraceMs grace period of a `stop()` that names none */
  constructor(defaultGraceMs = 0) {
    this.#defaultGraceMs = defaultGraceMs;
  }

  /** Resolves once the service has stopped: with the error that made it stop on its own (`stoppedBy`), else null. */
  get closed(): Promise<Error | null> {
    return this.#closed;
  }

  /** Why the service stopped on its own (e.g. its database was lost), if it did. Read once it has stopped. */
  protected stoppedBy(): Error | null {
    return null;
  }

  get state(): ServiceState {
    return this.#current;
  }

  /** Fires when `stop()` begins: take no new work. */
  protected get stopSignal(): AbortSignal {
    return this.#soft.signal;
  }

  /** Fires when the grace period is over: abort what still runs. */
  protected get abortSignal(): AbortSignal {
    return this.#hard.signal;
  }

  /** Acquires what the service needs and starts its work. */
  protected abstract onStart(): Promise<void>;

  /**
   * Ends the service's work: called once, after `onStart` succeeded, with `stopSignal`
   * already fired; `abortSignal` fires when the grace period is over. Resolve when all
   * work has ended and everything acquired is released.
   */
  protected abstract onStop(): Promise<void>;

  /**
   * Starts the service. Calling it again while starting or running returns the same
   * promise; after a stop it does nothing (a service runs once). A failed start leaves the
   * service `idle`, so it can be started again.
   */
  start(): Promise<void> {
    if (this.#current !== 'idle') return this.#starting ?? Promise.resolve();
    this.#current = 'starting';
    this.#starting = this.onStart().then(
      () => {
        // A stop() that came during the start keeps the state `stopping`.
        if (this.#current === 'starting') this.#current = 'running';
      },
      (err: unknown) => {
        if (this.#current === 'starting') {
          this.#current = 'idle';
          this.#starting = null;
        }
        throw err;
      },
    );
    return this.#starting;
  }

  /**
   * Stops the service: the soft stop at once, the hard stop after `graceMs`. Every call
   * returns the same promise. A stop during the start waits for the start to end first; a
   * stop before any start does nothing.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.#current === 'idle' || this.#current === 'stopped') return this.#stopping ?? Promise.resolve();
    this.#stopping ??= this.#shutdown(options.graceMs ?? this.#defaultGraceMs);
    return this.#stopping;
  }

  /** Skips the rest of the grace period: aborts running work now. No-op unless stopping. */
  abortNow(): void {
    if (this.#current === 'stopping') this.#hard.abort();
  }

  async #shutdown(graceMs: number): Promise<void> {
    const wasStarting = this.#current === 'starting';
    this.#current = 'stopping';
    this.#soft.abort();
    if (wasStarting) {
      const started = await this.#starting!.then(
        () => true,
        () => false,
      );
      if (!started) return this.#stopped();
    }
    const timer = setTimeout(() => this.#hard.abort(), Math.max(0, graceMs));
    try {
      await this.onStop();
    } finally {
      clearTimeout(timer);
      this.#stopped();
    }
  }

  #stopped(): void {
    this.#current = 'stopped';
    this.#resolveClosed(this.stoppedBy());
  }
}

/** Resolves after `ms`, or at once when `signal` fires. Never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
