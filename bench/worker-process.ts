/**
 * `ordo worker` as a process of its own, as users run it: the benchmarks' producer never
 * shares an event loop with the worker it measures. Tasks come from bench/tasks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../bin/ordo.js', import.meta.url));
const TASKS = fileURLToPath(new URL('./tasks', import.meta.url));
/** The SQLite worker's poll (another process's enqueue is seen by polling). */
export const SQLITE_POLL = process.env.ORDO_BENCH_POLL ?? '10ms';

export interface WorkerTarget {
  engine: 'sqlite' | 'postgres';
  db: string;
  schema?: string;
}

/** Starts `ordo worker` on the database; resolves once it says it started. */
export function startWorker(target: WorkerTarget, options: { name: string; concurrency: number; queues?: string }): Promise<ChildProcess> {
  const args = [CLI, '--db', target.db, ...(target.schema ? ['--schema', target.schema] : []), '--tasks', TASKS, 'worker', '--name', options.name];
  if (options.queues) args.push('--queues', options.queues);
  args.push('--concurrency', String(options.concurrency), '--no-maintenance');
  if (target.engine === 'sqlite') args.push('--poll', SQLITE_POLL);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ORDO_LOG_LEVEL: 'info' } });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      seen = (seen + chunk).slice(-20_000);
      if (seen.includes('"worker started"')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`ordo worker exited ${code}:\n${seen}`)));
  });
}

/** Stops the worker with SIGTERM (it drains) and waits for it to exit. */
export async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
