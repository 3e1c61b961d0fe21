/**
 * Where the CLI reads and writes: injected, so `main` can run in-process (tests capture the
 * output) as well as in `bin/ordo.js` (the process's own streams).
 *
 * A reader that stops early (`ordo jobs list | head -1`) closes the pipe: the next write
 * fails with EPIPE. That is the reader's choice, not an error of the command, so the
 * process streams swallow it and further output is dropped.
 */
import { readFileSync } from 'node:fs';
import type { Env } from '../config/env.js';

/** A text sink: a process stream, or a buffer in tests. */
export interface Output {
  write(text: string): unknown;
  /** A terminal: progress lines and activity reports are shown. */
  readonly isTTY?: boolean;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  /** Environment variables read for settings. @defaultValue process.env */
  env: Env;
  /** Working folder: where the config file is looked for, and what relative paths are relative to. */
  cwd: string;
  /** Reads all of standard input (for `enqueue -f -`). */
  readStdin(): string;
}

/** A process stream whose EPIPE ends its output quietly instead of crashing the process. */
function pipeSafe(stream: NodeJS.WriteStream): Output {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    closed = true;
  });
  return {
    write: (text: string) => (closed ? false : stream.write(text)),
    get isTTY() {
      return stream.isTTY === true;
    },
  };
}

/** The process's own streams, environment and folder. */
export function processIO(): CliIO {
  return {
    stdout: pipeSafe(process.stdout),
    stderr: pipeSafe(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    readStdin: () => readFileSync(0, 'utf8'),
  };
}
