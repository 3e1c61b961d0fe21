/**
 * Progress reports from handlers, written at most every `intervalMs` per job (the last
 * value always lands), so a handler may call `ctx.progress` in a tight loop for free.
 */
import type { JobRecord } from '../core/types.js';
import type { Store } from '../store/contract.js';

/** Throttled, fenced progress writes per running job. */
export class ProgressWriter {
  private readonly latest = new Map<string, { job: JobRecord; percent: number; timer: NodeJS.Timeout | null; lastWrite: number }>();

  constructor(
    private readonly store: Store,
    private readonly workerId: string,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 250,
  ) {}

  report(job: JobRecord, percent: number): void {
    const value = Math.max(0, Math.min(100, Number(percent) || 0));
    const entry = this.latest.get(job.id) ?? { job, percent: value, timer: null, lastWrite: 0 };
    entry.percent = value;
    this.latest.set(job.id, entry);
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastWrite + this.intervalMs - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = null;
      entry.lastWrite = Date.now();
      const { id, attempt } = entry.job;
      this.store.jobProgress({ id, attempt, workerId: this.workerId, progress: entry.percent }).catch(this.onError);
    }, wait);
  }

  /**
   * Forgets a job whose attempt ended, writing a last value that was still waiting (so a
   * report shows 100, not 96). The write is fenced: if the finish lands first, it is a no-op.
   */
  forget(jobId: string): void {
    const entry = this.latest.get(jobId);
    this.latest.delete(jobId);
    if (!entry?.timer) return;
    clearTimeout(entry.timer);
    const { id, attempt } = entry.job;
    this.store.jobProgress({ id, attempt, workerId: this.workerId, progress: entry.percent }).catch(this.onError);
  }
}
