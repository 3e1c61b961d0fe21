/** The rows of the results table: what each measures, in which unit, and which way is better. */
import type { BenchOptions, WorkloadName } from './options.js';

export interface Row {
  id: string;
  workload: WorkloadName;
  label: (o: BenchOptions) => string;
  better: 'higher' | 'lower';
  /** Decimal places shown. */
  digits: number;
}

const thousands = (n: number): string => n.toLocaleString('en-US');

export const ROWS = [
  { id: 'process-c10', workload: 'process', label: (o) => `process ${thousands(o.jobs)} no-op jobs, concurrency ${o.concurrency[0]} (jobs/s)`, better: 'higher', digits: 0 },
  { id: 'process-c50', workload: 'process', label: (o) => `same, concurrency ${o.concurrency[1]} (jobs/s)`, better: 'higher', digits: 0 },
  { id: 'cpu-worker', workload: 'process', label: (o) => `CPU per 1k jobs at c${o.concurrency[0]}, worker process (ms)`, better: 'lower', digits: 0 },
  { id: 'cpu-db', workload: 'process', label: () => 'same, database server (ms)', better: 'lower', digits: 0 },
  { id: 'cpu-total', workload: 'process', label: () => 'same, worker + database (ms)', better: 'lower', digits: 0 },
  { id: 'enqueue-seq', workload: 'enqueue', label: () => 'enqueue one at a time, sequential (jobs/s)', better: 'higher', digits: 0 },
  { id: 'enqueue-50', workload: 'enqueue', label: () => 'enqueue, 50 in flight (jobs/s)', better: 'higher', digits: 0 },
  { id: 'enqueue-bulk', workload: 'enqueue', label: () => 'enqueue bulk, chunks of 1000 (jobs/s)', better: 'higher', digits: 0 },
  { id: 'latency-p50', workload: 'latency', label: () => 'enqueue→start p50, idle worker in another process (ms)', better: 'lower', digits: 1 },
  { id: 'latency-p99', workload: 'latency', label: () => 'enqueue→start p99 (ms)', better: 'lower', digits: 1 },
  { id: 'delayed-p50', workload: 'delayed', label: (o) => `${o.delayMs / 1000} s-delayed jobs, lateness p50 (ms)`, better: 'lower', digits: 0 },
  { id: 'delayed-p99', workload: 'delayed', label: () => 'same, lateness p99 (ms)', better: 'lower', digits: 0 },
  { id: 'idle-statements', workload: 'idle', label: () => 'idle worker, statements/s on PostgreSQL', better: 'lower', digits: 1 },
  { id: 'idle-cpu', workload: 'idle', label: () => 'idle worker, CPU (% of one core)', better: 'lower', digits: 2 },
  { id: 'backlog-small', workload: 'backlog', label: (o) => `claim speed with ${thousands(o.backlog.small)} pending, c${o.concurrency[1]} (jobs/s)`, better: 'higher', digits: 0 },
  { id: 'backlog-large', workload: 'backlog', label: (o) => `same with ${thousands(o.backlog.large)} pending (jobs/s)`, better: 'higher', digits: 0 },
  { id: 'backlog-flat', workload: 'backlog', label: () => 'large backlog ÷ small backlog (%)', better: 'higher', digits: 0 },
  { id: 'scaling-1', workload: 'scaling', label: (o) => `scaling: 1 worker process, c${o.concurrency[0]} each (jobs/s)`, better: 'higher', digits: 0 },
  { id: 'scaling-2', workload: 'scaling', label: () => 'scaling: 2 worker processes (jobs/s)', better: 'higher', digits: 0 },
  { id: 'scaling-4', workload: 'scaling', label: () => 'scaling: 4 worker processes (jobs/s)', better: 'higher', digits: 0 },
] as const satisfies readonly Row[];

export type RowId = (typeof ROWS)[number]['id'];
