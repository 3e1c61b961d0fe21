/**
 * Typed calls between the harness and the processes it starts (the producer, the workers),
 * over Node's IPC channel with birpc. The channel uses the structured-clone serialisation, so
 * typed arrays (a worker's start times) cross as they are.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBirpc, type BirpcReturn } from 'birpc';

/** The children run TypeScript the way `npm run bench` itself does. */
const TSX = import.meta.resolve('tsx');

export interface Child<Remote extends object> {
  rpc: BirpcReturn<Remote, object>;
  process: ChildProcess;
  pid: number;
  /** Resolves when the process has exited, whatever its code. */
  exited: Promise<void>;
}

/**
 * Starts `script` (a file next to this one) as a child process with `env` added, answering
 * its calls with `local`. A child that dies fails its pending calls with what it printed last.
 */
/** With ORDO_BENCH_PROFILE set, every child writes a CPU profile there when it exits. */
const profileArgs = (): string[] => (process.env.ORDO_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ORDO_BENCH_PROFILE}`] : []);

export function startChild<Remote extends object>(script: string, env: Record<string, string>, local: object = {}): Child<Remote> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = fork(file, [], {
    execArgv: ['--import', TSX, ...profileArgs()],
    env: { ...process.env, ...env },
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-8000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const rpc = createBirpc<Remote, object>(local, {
    post: (data) => void child.send(data),
    on: (fn) => void child.on('message', fn),
    // A measurement (a million-job enqueue, a worker draining it) may take minutes.
    timeout: -1,
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!rpc.$closed) rpc.$close(new Error(`${script} exited (${signal ?? code}) during a call:\n${output}`));
      resolve();
    });
  });
  return { rpc, process: child, pid: child.pid!, exited };
}

/** Ends a child: asks it to stop through `stop`, then waits for it to exit. */
export async function endChild(child: Child<object>, stop: () => Promise<unknown>): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null) await stop().catch(() => undefined);
  await child.exited;
}

/** The child's side: answers the harness's calls with `local`; `remote` calls the harness. */
export function serveParent<Remote extends object>(local: object): BirpcReturn<Remote, object> {
  if (!process.send) throw new Error('this script is started by the benchmark harness (bench/peers/main.ts), not on its own');
  return createBirpc<Remote, object>(local, {
    post: (data) => void process.send!(data),
    on: (fn) => void process.on('message', fn),
    timeout: -1,
  });
}

/** Milliseconds since the epoch with sub-millisecond precision: one clock for every process of the machine. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
