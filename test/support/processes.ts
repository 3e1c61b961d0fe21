/**
 * Helpers for tests that use Ordo as a user does: the built CLI (`node bin/ordo.js`) in real
 * child processes, on a temp SQLite file. Every child started here is tracked, and
 * `stopEverything()` (call it in afterEach) kills the ones still running and closes the
 * polling clients, so a failing test never leaks a worker or a database handle.
 *
 * Children run in an empty working folder with Ordo's environment variables removed, so
 * neither the repo's `ordo.config.json` nor the caller's shell can change what they do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { createOrdo, type Ordo } from '../../src/client/ordo.js';
import { openStore } from '../../src/store/open.js';

export const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_DIR, 'bin', 'ordo.js');
export const EXAMPLE_TASKS = join(REPO_DIR, 'examples', 'tasks');
/** The task modules written for these tests (`slow.nap`, `count.record`). */
export const TEST_TASKS = join(REPO_DIR, 'test', 'support', 'tasks');

/** A fresh, empty temp folder. */
export function tempDir(prefix = 'ordo-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const WORKING_DIR = tempDir('ordo-cwd-');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
}

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('ORDO_') || key === 'DATABASE_URL') delete env[key];
  return { ...env, ...extra };
}

/** A running `ordo` process whose output is collected as it arrives. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;
  private done = false;

  constructor(readonly args: readonly string[], options: SpawnOptions = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? WORKING_DIR, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        this.done = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.done;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  /**
   * Resolves as soon as stdout or stderr contains `text` (checked on every chunk, no
   * polling); fails early if the process exits first, or after `timeoutMs`.
   */
  waitForOutput(text: string, timeoutMs = 15_000): Promise<void> {
    const what = `ordo ${this.args.join(' ')}`;
    return new Promise<void>((resolve, reject) => {
      const seen = (): boolean => this.stdout.includes(text) || this.stderr.includes(text);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        this.child.stderr!.off('data', check);
        this.child.off('close', closed);
        if (error) reject(error);
        else resolve();
      };
      // Listeners run after the collecting ones above, so the output is complete here.
      const check = (): void => void (seen() && finish());
      const closed = (): void => finish(seen() ? undefined : new Error(`${what} exited before printing ${JSON.stringify(text)}:\n${this.stderr}`));
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for output ${JSON.stringify(text)} from ${what}:\n${this.stderr}`)), timeoutMs);
      this.child.stdout!.on('data', check);
      this.child.stderr!.on('data', check);
      this.child.once('close', closed);
      if (seen()) finish();
      else if (!this.running) closed();
    });
  }
}

const children = new Set<CliProcess>();
const clients = new Set<Ordo>();

/** Starts `ordo ARGS...` in the background. */
export function startCli(args: readonly string[], options: SpawnOptions = {}): CliProcess {
  const child = new CliProcess(args, options);
  children.add(child);
  return child;
}

/** Runs `ordo ARGS...` to completion and returns its exit code and output. */
export async function runCli(args: readonly string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
    children.delete(child);
  }
}

/** `runCli` that expects exit code 0 and returns stdout. */
export async function runCliOk(args: readonly string[], options: SpawnOptions = {}): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0) throw new Error(`ordo ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** Starts `ordo worker` and resolves once it has logged that it started. */
export async function startWorker(db: string, tasks: string, flags: readonly string[] = [], options: SpawnOptions = {}): Promise<CliProcess> {
  const worker = startCli(['--db', db, '--tasks', tasks, 'worker', ...flags], options);
  await worker.waitForOutput('"worker started"');
  return worker;
}

/**
 * Opens a client on a database to poll it from the test; closed by `stopEverything()`.
 * `schema` picks the PostgreSQL schema (default `ordo`).
 */
export async function openDb(db: string, options: { schema?: string } = {}): Promise<Ordo> {
  const ordo = await createOrdo({ db, ...(options.schema ? { schema: options.schema } : {}) });
  clients.add(ordo);
  return ordo;
}

/** Polls `check` until it returns something other than false/undefined/null, or times out. */
export async function waitFor<T>(what: string, check: () => Promise<T | false | undefined | null>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/** Kills every child still running (SIGKILL) and closes every polling client. */
export async function stopEverything(): Promise<void> {
  const running = [...children].filter((child) => child.running);
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((child) => child.exited.catch(() => undefined)));
  children.clear();
  await Promise.all([...clients].map((ordo) => ordo.close()));
  clients.clear();
}

/**
 * Registers the hooks of a file of CLI tests on SQLite: before each test a fresh temp folder
 * (`dir`) and the path of a database file in it (`db`); after it, `stopEverything()`.
 * Read the fields inside tests only.
 */
export function useTempDatabase(): { readonly dir: string; readonly db: string } {
  const current = { dir: '', db: '' };
  beforeEach(async () => {
    current.dir = tempDir();
    current.db = join(current.dir, 'ordo.db');
    // Created and migrated up front: read commands refuse a database that does not exist.
    await (await openStore(current.db)).close();
  });
  afterEach(stopEverything);
  return current;
}

/** Job ids recorded by test tasks in files `<dir>/<prefix>*.log`, one per line, with counts. */
export function recordedIds(dir: string, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith(prefix))) {
    for (const id of readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
