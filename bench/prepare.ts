/**
 * What `npm run bench` does before it measures: installs bench/peers' own dependencies (the
 * peers, never Ordo's) when they are missing or older than their lock file, builds Ordo when
 * dist/ is missing or older than a source file, and type-checks the peers' harness (tsx, which
 * runs it, checks no types).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const peers = join(root, 'bench', 'peers');
const run = (command: string, args: string[], cwd = root): void => void execFileSync(command, args, { cwd, stdio: 'inherit' });
const mtime = (file: string): number => (existsSync(file) ? statSync(file).mtimeMs : 0);

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).reduce((max, entry) => (entry.isFile() ? Math.max(max, mtime(join(entry.parentPath, entry.name))) : max), 0);
}

// npm writes node_modules/.package-lock.json on every install: older than the lock file means stale.
if (mtime(join(peers, 'node_modules', '.package-lock.json')) < mtime(join(peers, 'package-lock.json'))) {
  console.log('bench: installing bench/peers dependencies');
  run('npm', ['ci', '--no-audit', '--no-fund'], peers);
}
if (mtime(join(root, 'dist', 'index.js')) < newest(join(root, 'src'))) {
  console.log('bench: building Ordo');
  run('npm', ['run', 'build', '--silent']);
}
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', peers]);
