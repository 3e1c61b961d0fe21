/**
 * What only a real `ordo` process shows: a reader that closes the pipe early (`ordo ... |
 * head -1`) must not turn a command that did its work into a stack trace and exit 1, the
 * installed binary answers `--version`, and a worker whose database vanished exits non-zero. Runs the built CLI (`npm run build` first).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, EXAMPLE_TASKS, REPO_DIR, openDb, runCli, startWorker, tempDir, useTempDatabase } from './support/processes.js';

const temp = useTempDatabase();

/**
 * Runs `ordo ARGS...` with the read side of its stdout closed before it writes anything, as
 * `| head -0` would: its first write fails with EPIPE.
 */
function withClosedStdout(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tempDir('ordo-cwd-'), stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('ordo with its output closed early', () => {
  it('enqueue still enqueues, exits 0 and prints no stack trace', async () => {
    const lines = Array.from({ length: 3_000 }, (_, i) => JSON.stringify({ email: `u${i}@b.com`, message: 'hi' }));
    const file = join(temp.dir, 'many.jsonl');
    writeFileSync(file, lines.join('\n'));
    const result = await withClosedStdout(['--db', temp.db, '--tasks', EXAMPLE_TASKS, 'enqueue', 'send_email', '-f', file]);
    expect(result).toEqual({ code: 0, stderr: '' });
    const client = await openDb(temp.db);
    expect((await client.listJobs()).total).toBe(3_000);
  });

  it('a listing exits 0 quietly', async () => {
    const client = await openDb(temp.db);
    await client.enqueueMany(Array.from({ length: 200 }, (_, i) => ({ task: 'send_email', payload: { email: `u${i}@b.com`, message: 'hi' } })));
    expect(await withClosedStdout(['--db', temp.db, 'jobs', 'list', '--limit', '200', '--json'])).toEqual({ code: 0, stderr: '' });
  });

  it('an error is still reported, with its exit code', async () => {
    const result = await withClosedStdout(['--db', temp.db, 'jobs', 'show', '999']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('ordo: job "999" does not exist\n');
  });
});

it('the installed binary prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
  const result = await runCli(['--version']);
  expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
});

it('ordo worker exits non-zero, saying why, when its SQLite file is deleted under it', async () => {
  const worker = await startWorker(temp.db, EXAMPLE_TASKS, ['--poll', '50ms', '--no-maintenance']);
  expect(worker.stderr).toContain('"maintenance":false'); // --no-maintenance reached the worker
  rmSync(temp.db);
  const result = await worker.exited;
  expect(result.code).toBe(4);
  expect(result.stderr).toContain('the database is gone');
  expect(result.stderr).toContain(temp.db);
});
