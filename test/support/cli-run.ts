/**
 * Runs the `ordo` command line in-process: `main(args, io)` with captured output, an empty
 * environment and an empty working folder (so neither the repo's `ordo.config.json` nor the
 * caller's shell changes what it does). The same result shape as a spawned `runCli`, without
 * the cost of a Node process per command.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliResult } from './processes.js';

const EMPTY_FOLDER = mkdtempSync(join(tmpdir(), 'ordo-cwd-'));

export interface MainOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** What `-f -` reads. */
  stdin?: string;
  /** Output as a terminal would (progress lines shown). */
  tty?: boolean;
}

/** `ordo ARGS...` in this process: its exit code and what it printed. */
export async function runMain(args: readonly string[], options: MainOptions = {}): Promise<CliResult> {
  const out = { stdout: '', stderr: '' };
  const code = await main(args, {
    stdout: { write: (text: string) => (out.stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text: string) => (out.stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? EMPTY_FOLDER,
    readStdin: () => options.stdin ?? '',
  });
  return { code, signal: null, ...out };
}

/** `runMain` that expects exit code 0 and returns stdout. */
export async function runMainOk(args: readonly string[], options: MainOptions = {}): Promise<string> {
  const result = await runMain(args, options);
  if (result.code !== 0) throw new Error(`ordo ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}
