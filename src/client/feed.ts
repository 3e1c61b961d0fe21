/**
 * `ordo.feed()`: the changes seen in the database as `FeedEvent`s, for live views (the
 * server's event stream) and metrics. One feed per client, shared by its subscribers: the
 * database is read (by a `FeedPoller`) only while someone listens, from the moment the first
 * listener came, and reading stops when the last one leaves and when the client closes.
 * How changes are read, and what can be missed, is said in feed-poller.ts.
 */
import type { Store } from '../store/contract.js';
import type { FeedEvent } from './api.js';
import { FeedPoller, type FeedOptions } from './feed-poller.js';

export type FeedListener = (event: FeedEvent) => void;

export class ChangeFeed {
  private readonly listeners = new Set<FeedListener>();
  private poller: FeedPoller | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly options: FeedOptions = {},
  ) {}

  /**
   * Calls `listener` for every change from now on, in the order they happened (a listener
   * that throws is skipped, the others still hear it). Returns the unsubscriber. Await
   * `ready()` to be sure a change made next is heard.
   */
  subscribe(listener: FeedListener): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    if (!this.poller) {
      this.poller = new FeedPoller(this.store, (events) => this.deliver(events), this.options);
      void this.poller.start();
    }
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) void this.stopReading();
    };
  }

  /** Resolves once the feed reads from a known point: changes made after it are heard. At once when nobody listens. */
  ready(): Promise<void> {
    return this.poller?.ready ?? Promise.resolve();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Stops reading and drops every listener; a closed feed hears nothing more. */
  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.stopReading();
  }

  private async stopReading(): Promise<void> {
    const poller = this.poller;
    this.poller = null;
    await poller?.stop();
  }

  private deliver(events: readonly FeedEvent[]): void {
    for (const event of events) {
      for (const listener of [...this.listeners]) {
        try {
          listener(event);
        } catch {
          // A listener's failure is its own: the feed and the other listeners carry on.
        }
      }
    }
  }
}
