/**
 * The harness's handles on the processes of one measurement: the producer, and a group of
 * worker processes of one system whose progress and records it sums.
 */
import type { ProducerCalls } from './producer.js';
import { endChild, startChild, type Child } from './rpc.js';
import type { System, Target, WorkerSpec } from './systems.js';
import type { WorkerCalls, WorkerReport } from './worker-host.js';

export interface Producer {
  /** The producer's calls (producer.ts). */
  calls: Child<ProducerCalls>['rpc'];
  pid: number;
  /** Closes its client and waits for it to exit. */
  end(): Promise<void>;
  kill(): Promise<void>;
}

/** Starts the producer; resolves once its client is open (the store migrated, the queue made). */
export async function startProducer(system: System, target: Target): Promise<Producer> {
  let ready!: () => void;
  const opened = new Promise<void>((resolve) => (ready = resolve));
  const child = startChild<ProducerCalls>('./producer.ts', { BENCH_PRODUCER: JSON.stringify({ system: system.name, target }) }, { ready: () => ready() });
  await Promise.race([opened, child.exited.then(() => Promise.reject(new Error(`the ${system.name} producer exited before it was ready`)))]);
  return { calls: child.rpc, pid: child.pid, end: () => endChild(child, () => child.rpc.close()), kill: () => killChild(child) };
}

async function killChild(child: Child<object>): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child.exited;
}

/** What a group of workers ran, merged: how often each job ran, its last start, the first start of all. */
export interface GroupReport {
  runs: Uint8Array;
  starts: Float64Array;
  ran: number;
  first: number;
}

export interface WorkerGroup {
  pids: number[];
  /** Starts every worker claiming; `onFirst` runs when the first job of any worker starts. */
  go(onFirst?: () => void, expect?: number): Promise<void>;
  /** Resolves once the workers have run `n` jobs between them. */
  ran(n: number): Promise<void>;
  /** Stops every worker gracefully (running jobs finish and are recorded); resolves with what they ran. */
  stop(): Promise<GroupReport>;
  /** Ends the processes at once (after a failure). */
  kill(): Promise<void>;
}

/** Starts `count` worker processes of the system; resolves once all of them are connected and idle. */
export async function startWorkers(system: System, spec: Omit<WorkerSpec, 'system'>, count = 1): Promise<WorkerGroup> {
  const ran = new Array<number>(count).fill(0);
  let onFirst: (() => void) | undefined;
  let waiters: { n: number; resolve: () => void }[] = [];
  const progress = (k: number, value: number): void => {
    if (ran.every((r) => r === 0) && value > 0) onFirst?.();
    ran[k] = value;
    const total = ran.reduce((a, b) => a + b, 0);
    waiters = waiters.filter((w) => (total >= w.n ? void w.resolve() : true));
  };
  const children = await Promise.all(
    Array.from({ length: count }, async (_, k) => {
      let ready!: () => void;
      const started = new Promise<void>((resolve) => (ready = resolve));
      const env = { BENCH_WORKER: JSON.stringify({ ...spec, system: system.name }) };
      const child = startChild<WorkerCalls>(`./workers/${system.module}.ts`, env, { ready: () => ready(), progress: (n: number) => progress(k, n) });
      await Promise.race([started, child.exited.then(() => Promise.reject(new Error(`a ${system.name} worker exited before it was ready`)))]);
      return child;
    }),
  );
  return {
    pids: children.map((c) => c.pid),
    async go(first, expect) {
      onFirst = first;
      // One worker knows when it has run them all; of several, none does.
      await Promise.all(children.map((c) => c.rpc.go(count === 1 ? expect : undefined)));
    },
    ran: (n) => new Promise((resolve, reject) => {
      waiters.push({ n, resolve });
      progress(0, ran[0]!);
      // A worker that dies would leave the wait hanging: fail it instead.
      for (const c of children) void c.exited.then(() => reject(new Error(`a ${system.name} worker exited while jobs were running`)));
    }),
    async stop() {
      const reports = await Promise.all(children.map((c) => c.rpc.stop()));
      // The answers are through: each worker leaves when its channel closes.
      for (const c of children) if (c.process.connected) c.process.disconnect();
      await Promise.all(children.map((c) => c.exited));
      return merge(reports as WorkerReport[], spec.size);
    },
    kill: () => Promise.all(children.map(killChild)).then(() => undefined),
  };
}

function merge(reports: WorkerReport[], size: number): GroupReport {
  const runs = new Uint8Array(size);
  const starts = new Float64Array(size);
  let ran = 0;
  let first = Infinity;
  for (const report of reports) {
    ran += report.ran;
    if (report.first > 0) first = Math.min(first, report.first);
    for (let i = 0; i < size; i++) {
      runs[i]! += report.runs[i]!;
      starts[i] = Math.max(starts[i]!, report.starts[i]!);
    }
  }
  return { runs, starts, ran, first: first === Infinity ? 0 : first };
}
