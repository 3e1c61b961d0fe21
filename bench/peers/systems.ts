/**
 * The systems measured side by side, in the order of the table's columns: Ordo on each
 * engine, then the queues users would otherwise pick. Each has a worker script of its own
 * (workers/) and a producer-side client (clients/), and says where its jobs live.
 */
export type Storage = 'sqlite' | 'postgres' | 'redis';

export interface System {
  name: 'ordo-sqlite' | 'ordo-postgres' | 'graphile-worker' | 'bullmq' | 'pg-boss';
  /** Column header. */
  label: string;
  storage: Storage;
  /** The worker script under workers/, and the client module under clients/. */
  module: 'ordo' | 'graphile-worker' | 'bullmq' | 'pg-boss';
  /**
   * Whether the backlog workload runs it: Ordo's engines, and graphile-worker as the reference
   * (a million jobs enqueued per round costs minutes per system; the backlog's target is Ordo's
   * own flatness).
   */
  backlog: boolean;
  /** Whether the scaling workload (1, 2, 4 worker processes) runs it: every system. */
  scaling: boolean;
  /** The packages whose versions the report names. */
  packages: readonly string[];
}

export type SystemName = System['name'];

export const SYSTEMS: readonly System[] = [
  { name: 'ordo-sqlite', label: 'Ordo SQLite', storage: 'sqlite', module: 'ordo', backlog: true, scaling: true, packages: [] },
  { name: 'ordo-postgres', label: 'Ordo PostgreSQL', storage: 'postgres', module: 'ordo', backlog: true, scaling: true, packages: [] },
  { name: 'graphile-worker', label: 'graphile-worker', storage: 'postgres', module: 'graphile-worker', backlog: true, scaling: true, packages: ['graphile-worker', 'pg'] },
  { name: 'bullmq', label: 'BullMQ (Redis)', storage: 'redis', module: 'bullmq', backlog: false, scaling: true, packages: ['bullmq', 'ioredis'] },
  { name: 'pg-boss', label: 'pg-boss', storage: 'postgres', module: 'pg-boss', backlog: false, scaling: true, packages: ['pg-boss', 'pg'] },
];

export const isOrdo = (system: System): boolean => system.module === 'ordo';

/** Where one measurement's jobs live: a fresh SQLite file, PostgreSQL schema or Redis queue. */
export type Target =
  | { storage: 'sqlite'; file: string }
  | { storage: 'postgres'; url: string; schema: string }
  | { storage: 'redis'; port: number; queue: string };

/** What a worker process is started with (as JSON in BENCH_WORKER). */
export interface WorkerSpec {
  system: SystemName;
  target: Target;
  concurrency: number;
  /** Job indexes run from 0 to size − 1. */
  size: number;
}

/** Jobs in the store by where they stand; `done` finished well, `failed` did not. */
export interface Counts {
  waiting: number;
  running: number;
  done: number;
  failed: number;
}

/** The name every system's no-op task or queue has. */
export const TASK = 'noop';
