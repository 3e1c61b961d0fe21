/**
 * What every worker script shares: it reads its spec, builds its system's consumer, tells the
 * harness it is ready, starts consuming on `go`, and records each run of a job — how often
 * each job index ran and when it last started — so the harness can check exactly-once and
 * compute latencies. The consumer only has to call `record(i)` as its handler starts.
 */
import { now, serveParent } from './rpc.js';
import type { WorkerSpec } from './systems.js';

export interface Consumer {
  /** Starts claiming jobs. */
  start(): Promise<void>;
  /** Stops gracefully: running jobs finish and are recorded, nothing more is claimed. */
  stop(): Promise<void>;
}

/** Builds the system's consumer, connected but not yet claiming; `record(i)` goes first in its handler. */
export type MakeConsumer = (spec: WorkerSpec, record: (i: number) => void) => Promise<Consumer>;

/** What the worker tells the harness at the end. */
export interface WorkerReport {
  /** How many times each job index ran. */
  runs: Uint8Array;
  /** When each job index last started (0: never). */
  starts: Float64Array;
  ran: number;
  /** When the first job started (0: none did). */
  first: number;
}

/** The harness's side, as the worker calls it. */
export interface HarnessEvents {
  ready(): void;
  progress(ran: number): void;
}

export interface WorkerCalls {
  /** Starts claiming; progress goes out at once when `expect` jobs have run (the end of a drain). */
  go(expect?: number): Promise<void>;
  /** Stops the consumer gracefully, answers with what ran, then exits. */
  stop(): Promise<WorkerReport>;
}

/** How often the running count goes to the harness while it changes: often enough to end a measurement within a few ms. */
const PROGRESS_MS = 5;

export async function serveWorker(make: MakeConsumer): Promise<void> {
  const spec = JSON.parse(process.env.BENCH_WORKER!) as WorkerSpec;
  const runs = new Uint8Array(spec.size);
  const starts = new Float64Array(spec.size);
  let ran = 0;
  let first = 0;
  let expect = 0;
  // Progress goes out at most every PROGRESS_MS, from a timer set by a run: an idle worker keeps no timer of ours.
  let pending: NodeJS.Timeout | null = null;
  const flush = (): void => {
    pending = null;
    harness.progress.asEvent(ran);
  };
  const record = (i: number): void => {
    const t = now();
    if (first === 0) first = t;
    runs[i]! += 1;
    starts[i] = t;
    ran++;
    // The first start goes out at once: the harness takes its CPU readings from there.
    if (ran === 1 || ran === expect) flush();
    else pending ??= setTimeout(flush, PROGRESS_MS);
  };
  const consumer = await make(spec, record);
  const harness = serveParent<HarnessEvents>({
    go(expected = 0) {
      expect = expected;
      return consumer.start();
    },
    async stop(): Promise<WorkerReport> {
      await consumer.stop();
      if (pending) clearTimeout(pending);
      // Leave once the answer is through: the harness disconnects (or kills) when it has it. A
      // report of a million jobs takes longer than a moment to send, and leaving before it is
      // through loses it. The unref'd timer only ends a process nothing else keeps alive.
      process.once('disconnect', () => process.exit(0));
      setTimeout(() => process.exit(0), 60_000).unref();
      return { runs, starts, ran, first };
    },
  } satisfies WorkerCalls);
  harness.ready.asEvent();
}
