/**
 * What the producer process needs of a system: enqueue one job or a chunk of them, and count
 * the jobs in the store by where they stand. Job `i` carries `{ i }` as its payload.
 */
import pg from 'pg';
import type { Counts, Target } from '../systems.js';

export interface Client {
  /** Enqueues job `i`, to start `delayMs` from now when given. */
  enqueue(i: number, delayMs?: number): Promise<void>;
  /** Enqueues jobs `from` to `from + count − 1` in one call. */
  enqueueMany(from: number, count: number): Promise<void>;
  counts(): Promise<Counts>;
  close(): Promise<void>;
}

export type OpenClient = (target: Target) => Promise<Client>;

export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, k) => from + k);

/** One connection of the producer's own for counting rows: cheap next to the system's traffic. */
export async function openCounter(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Counts from `SELECT state, n` rows, each state sorted into `Counts` by `place`. */
export async function countStates(client: pg.Client, sql: string, params: unknown[], place: (state: string) => keyof Counts): Promise<Counts> {
  const counts: Counts = { waiting: 0, running: 0, done: 0, failed: 0 };
  const { rows } = await client.query<{ state: string; n: number }>(sql, params);
  for (const row of rows) counts[place(row.state)] += Number(row.n);
  return counts;
}
