/**
 * In-process "jobs available" and "schedules changed" signals. Every store instance opened on the same file (by
 * resolved path) in this process shares one channel, so a worker wakes up as soon as a
 * client in the same process enqueues, even through another store instance. Other processes
 * are not told here: each of their stores notices the file's commits itself while a worker
 * listens (data-version.ts) and emits on its own channel (capabilities.crossProcessJobWake).
 * capabilities.crossProcessNotify stays false: "schedules changed" is signalled only within
 * the process.
 */
import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { isMemoryPath } from './connection.js';

type Listener = (queue: string) => void;
type AnyListener = Listener | (() => void);

interface Channel {
  emitter: EventEmitter;
  users: number;
}

const channels = new Map<string, Channel>();
let privateChannels = 0;

/** One store's view of the channel for its file. `close()` drops its listeners. */
export class JobsAvailableSignal {
  private readonly key: string;
  private readonly channel: Channel;
  private readonly listeners = new Set<AnyListener>();
  private closed = false;

  constructor(path: string) {
    // A memory database is private to its connection, so it gets a channel of its own.
    this.key = isMemoryPath(path) ? `memory:${privateChannels++}` : resolve(path);
    const existing = channels.get(this.key);
    this.channel = existing ?? { emitter: new EventEmitter().setMaxListeners(0), users: 0 };
    this.channel.users += 1;
    channels.set(this.key, this.channel);
  }

  subscribe(listener: Listener): () => void {
    if (this.closed) return () => {};
    // A throwing listener must not fail the store call that raised the signal after commit.
    const guarded: Listener = (queue) => {
      try {
        listener(queue);
      } catch (err) {
        process.emitWarning(`onJobsAvailable listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    this.channel.emitter.on('jobs', guarded);
    this.listeners.add(guarded);
    return () => {
      this.channel.emitter.off('jobs', guarded);
      this.listeners.delete(guarded);
    };
  }

  /** Subscribes to "schedules changed" on this file (upsert, delete, pause, resume). */
  subscribeSchedules(listener: () => void): () => void {
    if (this.closed) return () => {};
    const guarded = (): void => {
      try {
        listener();
      } catch (err) {
        process.emitWarning(`onSchedulesChanged listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    this.channel.emitter.on('schedules', guarded);
    this.listeners.add(guarded);
    return () => {
      this.channel.emitter.off('schedules', guarded);
      this.listeners.delete(guarded);
    };
  }

  /** Tells every "schedules changed" listener on this file. Call after commit. */
  emitSchedules(): void {
    this.channel.emitter.emit('schedules');
  }

  /** Tells every listener on this file that `queues` may have due jobs. Call after commit. */
  emit(queues: readonly string[]): void {
    for (const queue of queues) this.channel.emitter.emit('jobs', queue);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.listeners) {
      this.channel.emitter.off('jobs', listener);
      this.channel.emitter.off('schedules', listener);
    }
    this.listeners.clear();
    this.channel.users -= 1;
    if (this.channel.users === 0) channels.delete(this.key);
  }
}
