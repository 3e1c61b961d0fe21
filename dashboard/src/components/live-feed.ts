/**
 * The app's one connection to the server's event stream, shared by every page. Events are
 * buffered and handed to subscribers as one batch every `BATCH_MS`: during a burst of
 * thousands of jobs a second a page re-renders twice a second, not once per event.
 */
import { followEvents, type StreamEvent } from '../api.js';
import type { LiveFeed } from '../context.js';

export const BATCH_MS = 500;
/**
 * A batch keeps at most this many events (the newest): pages only ask "did something I
 * show change?", and a tab that was in the background must not wake up to a million.
 */
const MAX_BUFFERED = 5_000;

export class BatchedFeed implements LiveFeed {
  private readonly listeners = new Set<(events: StreamEvent[]) => void>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private buffer: StreamEvent[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopStream: (() => void) | null = null;
  connected = false;

  start(): void {
    if (this.stopStream) return;
    this.stopStream = followEvents({}, (event) => this.push(event), (connected) => this.setConnected(connected));
    this.timer = setInterval(() => this.flush(), BATCH_MS);
  }

  stop(): void {
    this.stopStream?.();
    this.stopStream = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.buffer = [];
    this.setConnected(false);
  }

  subscribe(listener: (events: StreamEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private push(event: StreamEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > MAX_BUFFERED * 2) this.buffer = this.buffer.slice(-MAX_BUFFERED);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const batch = this.buffer.length > MAX_BUFFERED ? this.buffer.slice(-MAX_BUFFERED) : this.buffer;
    this.buffer = [];
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (err) {
        // One page's mistake must not stop the others' updates.
        console.error('live feed listener failed', err);
      }
    }
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    for (const listener of [...this.statusListeners]) listener(connected);
  }
}
